using System.Collections.Concurrent;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace AutoResponder.Storage;

/// <summary>
/// Builds the Azure Storage clients from the same setting the Functions host uses:
/// <c>AzureWebJobsStorage</c> as a connection string (local, Azurite: <c>UseDevelopmentStorage=true</c>),
/// or identity-based as <c>AzureWebJobsStorage__tableServiceUri</c> / <c>__blobServiceUri</c> /
/// <c>__queueServiceUri</c> with <c>__credential=managedidentity</c> and <c>__clientId</c> (Azure).
/// </summary>
public sealed class StorageClients : IStorageInitializer
{
    public const string SettingName = "AzureWebJobsStorage";
    public const string PrefixSetting = "AutoResponder:StoragePrefix";
    /// <summary>Signals follow-up outbox work (replies, impact, e-mails, exports, reminders).</summary>
    public const string OutboxQueue = "autoresponder-outbox";
    /// <summary>
    /// Signals first notices (a new incident's first Teams post), ahead of follow-ups: its own queue and trigger.
    /// </summary>
    public const string FirstNoticeQueue = "autoresponder-first-notice";

    public TableServiceClient Tables { get; }
    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }

    /// <summary>
    /// Prepended to every table, container and queue name (setting AutoResponder:StoragePrefix, letters and
    /// digits only) so several deployments or test runs can share one account. Empty in production. The
    /// Functions queue triggers listen on the unprefixed <see cref="OutboxQueue"/> and <see cref="FirstNoticeQueue"/>.
    /// </summary>
    public string Prefix { get; }

    /// <summary>Requests these clients sent (when built by <see cref="FromConfiguration"/>).</summary>
    public StorageRequestCounter Requests { get; private init; } = new();

    public StorageClients(TableServiceClient tables, BlobServiceClient blobs, QueueServiceClient queues,
        string prefix = "")
    {
        Tables = tables;
        Blobs = blobs;
        Queues = queues;
        Prefix = prefix;
    }

    /// <summary>
    /// Per-try network timeout of the table and queue clients (blobs keep the SDK's: export blocks are large).
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    public TableClient IncidentTable => Table("Incidents");
    public TableClient IncidentIndex => Table("IncidentIndex");
    public QueueClient Outbox => Queue(OutboxQueue);
    public QueueClient FirstNotices => Queue(FirstNoticeQueue);

    // Clients are thread-safe and cheap to keep, but not to build: every intake write asked for its table by name, and
    // constructing a TableClient (URI parsing, name checks) was ~2% of the host's CPU in an alert storm.
    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, QueueClient> _queues = new(StringComparer.Ordinal);

    /// <summary>A table by its base name (letters and digits), with the prefix applied.</summary>
    public TableClient Table(string name)
        => _tables.GetOrAdd(name, static (n, self) => self.Tables.GetTableClient(self.Prefix + n), this);
    /// <summary>A queue by its base name (lower case, digits, hyphens), with the prefix applied.</summary>
    public QueueClient Queue(string name) =>
        _queues.GetOrAdd(name, static (n, self) =>
            self.Queues.GetQueueClient(self.Prefix.Length == 0 ? n : $"{self.Prefix.ToLowerInvariant()}-{n}"), this);
    /// <summary>A blob container by its base name, with the prefix applied.</summary>
    public BlobContainerClient Container(string name)
        => Blobs.GetBlobContainerClient(Prefix.Length == 0 ? name : $"{Prefix.ToLowerInvariant()}-{name}");

    public static StorageClients FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingName);
        var prefix = configuration[PrefixSetting] ?? "";
        if (prefix.Length > 20 || !prefix.All(char.IsAsciiLetterOrDigit)
            || (prefix.Length > 0 && !char.IsAsciiLetter(prefix[0])))
            throw new InvalidOperationException($"The setting '{PrefixSetting}' must be up to 20 letters and digits, " +
                $"starting with a letter (is '{prefix}').");
        var connectionString = section.Value;
        var counter = new StorageRequestCounter();
        // Tables and queues carry small requests: a storage node that accepts a connection and never answers costs 20 s
        // per try (the SDK's default is 100 s, four tries), so callers fail over to a 503 or a retry in bounded time.
        var tableOptions = new TableClientOptions { Retry = { NetworkTimeout = RequestTimeout } };
        tableOptions.AddPolicy(counter.Tables, HttpPipelinePosition.PerRetry);
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(counter.Blobs, HttpPipelinePosition.PerRetry);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64, Retry = { NetworkTimeout = RequestTimeout } };
        queueOptions.AddPolicy(counter.Queues, HttpPipelinePosition.PerRetry);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                return new StorageClients(
                    new TableServiceClient(connectionString, tableOptions),
                    new BlobServiceClient(connectionString, blobOptions),
                    new QueueServiceClient(connectionString, queueOptions),
                    prefix)
                { Requests = counter };
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new InvalidOperationException($"The setting '{SettingName}' is not a valid storage connection " +
                    $"string: {e.Message}", e);
            }
        }

        var tableUri = RequiredUri(section, "tableServiceUri");
        var blobUri = RequiredUri(section, "blobServiceUri");
        var queueUri = RequiredUri(section, "queueServiceUri");
        var credential = CredentialFrom(section);
        return new StorageClients(
            new TableServiceClient(tableUri, credential, tableOptions),
            new BlobServiceClient(blobUri, credential, blobOptions),
            new QueueServiceClient(queueUri, credential, queueOptions),
            prefix)
        { Requests = counter };
    }

    /// <summary>
    /// The command line's default: Azurite, unless <c>AzureWebJobsStorage</c> is set in either form (a
    /// connection string, or identity-based <c>AzureWebJobsStorage__*ServiceUri</c> settings).
    /// </summary>
    public static void DefaultToDevelopmentStorage(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingName);
        if (string.IsNullOrEmpty(section.Value) && !section.GetChildren().Any())
            configuration[SettingName] = "UseDevelopmentStorage=true";
    }

    /// <summary>
    /// The credential named by <c>{section}__credential</c> / <c>__clientId</c>, as the Functions host reads it.
    /// </summary>
    public static TokenCredential CredentialFrom(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId)
                ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }

    /// <summary>
    /// Storage is the one required setting (it holds the record): null when it is set, else the message naming it.
    /// A host checks this first and exits with the message rather than start without storage.
    /// </summary>
    public static string? ConfigurationProblem(IConfiguration configuration)
    {
        try
        {
            FromConfiguration(configuration);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    private static Uri RequiredUri(IConfigurationSection section, string key)
    {
        var value = section[key];
        // AzureWebJobsStorage__accountName (identity-based, as the Functions host reads it) names the default
        // endpoints.
        if (string.IsNullOrWhiteSpace(value) && section["accountName"] is { Length: > 0 } account
            && !string.IsNullOrWhiteSpace(account))
            value = $"https://{account.Trim()}.{key.Replace("ServiceUri", "", StringComparison.Ordinal)}.core.windows.net";
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                $"Storage is not configured, and it is the one setting AutoResponder cannot start without: set " +
                $"'{SettingName}' to a connection string " +
                $"(UseDevelopmentStorage=true for Azurite), or identity-based '{SettingName}__accountName' or " +
                $"'{SettingName}__{key}' (with '{SettingName}__credential').");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            throw new InvalidOperationException(
                $"The setting '{SettingName}__{key}' is not an absolute URI: '{value}'.");
        return uri;
    }

    /// <summary>
    /// Creates the incident tables and the outbox queues. Idempotent; runs at host start via
    /// <see cref="StorageSetup"/>.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await IncidentTable.CreateIfNotExistsAsync(cancellationToken);
        await IncidentIndex.CreateIfNotExistsAsync(cancellationToken);
        await Outbox.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await FirstNotices.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}
