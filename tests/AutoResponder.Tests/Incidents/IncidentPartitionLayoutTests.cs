using System.Reflection;
using System.Text.RegularExpressions;
using AutoResponder.Incidents;
using AutoResponder.Tests.Infrastructure;

namespace AutoResponder.Tests.Incidents;

/// <summary>
/// The incident partition has one owner: its row keys are built only in <see cref="IncidentRows"/>, its table is touched
/// only by <see cref="IncidentStore"/>, Incidents depends on neither Intake nor the outbox, and no state travels ambiently.
/// </summary>
public sealed class IncidentPartitionLayoutTests
{
    private static IEnumerable<(string Path, string[] Code)> SourceFiles(params string[] folders) =>
        folders.SelectMany(f => Directory.EnumerateFiles(Path.Combine(AzuriteFixture.RepoRoot(), f), "*.cs", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p => (p, File.ReadAllLines(p).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)).ToArray()));

    [Fact]
    public void Row_key_prefixes_are_written_only_in_IncidentRows()
    {
        var literal = new Regex("\"(al|tl|ob|oc|state|sent)[|}]");
        var offenders = SourceFiles("src").Where(f => Path.GetFileName(f.Path) != "IncidentRows.cs")
            .SelectMany(f => f.Code.Where(l => literal.IsMatch(l)).Select(l => $"{Path.GetFileName(f.Path)}: {l.Trim()}")).ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Only_the_store_reads_and_writes_the_incident_table()
    {
        var offenders = SourceFiles("src/Shared", "src/Functions")
            .Where(f => Path.GetFileName(f.Path) is not ("IncidentStore.cs" or "StorageClients.cs" or "StorageSetup.cs"))
            .Where(f => f.Code.Any(l => l.Contains("IncidentTable", StringComparison.Ordinal)))
            .Select(f => Path.GetFileName(f.Path)).ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Incidents_depend_on_neither_intake_nor_the_outbox()
    {
        // The incident core and what sits directly on it (the action runner, the public JSON shapes). Incidents.Api,
        // which composes every feature's state into the incident resource, sits above the outbox and is not checked.
        string[] core = ["AutoResponder.Incidents", "AutoResponder.Incidents.Actions", "AutoResponder.Incidents.Resources"];
        var incidents = typeof(IncidentStore).Assembly.GetTypes().Where(t => core.Contains(t.Namespace)).ToList();
        var offenders = new List<string>();
        foreach (var type in incidents)
        {
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);
            var used = new List<Type>();
            if (type.BaseType is { } baseType) used.Add(baseType);
            used.AddRange(type.GetInterfaces());
            foreach (var member in members)
                switch (member)
                {
                    case FieldInfo f: used.Add(f.FieldType); break;
                    case PropertyInfo p: used.Add(p.PropertyType); break;
                    case MethodBase m:
                        used.AddRange(m.GetParameters().Select(x => x.ParameterType));
                        if (m is MethodInfo mi) used.Add(mi.ReturnType);
                        break;
                }
            offenders.AddRange(used.SelectMany(Expand).Where(u => u.Namespace is "AutoResponder.Intake" or "AutoResponder.Outbox")
                .Select(u => $"{type.Name} uses {u.FullName}"));
        }
        var usings = SourceFiles("src/Shared/Incidents").Where(f => f.Code.Any(l => core.Any(ns => l.Trim() == $"namespace {ns};")))
            .Where(f => f.Code.Any(l => Regex.IsMatch(l, @"\bAutoResponder\.(Intake|Outbox)\b|\b(Intake|Outbox)\.[A-Z]")))
            .Select(f => Path.GetFileName(f.Path));
        Assert.Empty(offenders.Distinct().Concat(usings));
    }

    [Fact]
    public void No_state_travels_through_an_AsyncLocal()
    {
        var offenders = SourceFiles("src").Where(f => f.Code.Any(l => l.Contains("AsyncLocal<", StringComparison.Ordinal))).Select(f => Path.GetFileName(f.Path));
        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType) foreach (var t in Expand(type.GetElementType()!)) yield return t;
        if (type.IsGenericType) foreach (var t in type.GetGenericArguments().SelectMany(Expand)) yield return t;
    }
}
