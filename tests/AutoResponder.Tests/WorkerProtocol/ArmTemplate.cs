using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace AutoResponder.Tests.WorkerProtocol;

/// <summary>
/// Reads the Function app's app settings out of the ARM JSON that `bicep build infra/main.bicep` writes, by evaluating
/// the ARM template expressions on the way: main's parameters (defaults, or the values a test gives, as azd would),
/// main's variables, the parameters main passes to the module holding the <c>Microsoft.Web/sites</c> resource, that
/// module's variables, and the <c>siteConfig.appSettings</c> copy loop. What it evaluates for real: parameters,
/// variables, if, empty, not, equals, and, or, bool, format, concat, union, items, filter, toObject, lambda,
/// lambdaVariables, length, copyIndex, toLower, toUpper, string, coalesce, contains, createObject, createArray.
/// What it substitutes, deterministically, because only Azure knows it: <c>reference(…deployments/NAME…).outputs.X.value</c>
/// (another module's output) comes from the caller's <c>moduleOutput(NAME, X)</c>; every other function
/// (subscription(), resourceGroup(), resourceId(), environment(), …; uniqueString() is a 13-character hash of its
/// arguments, deterministic like ARM's but not the same hash) yields a placeholder text
/// "«fn(args)»", and anything read from a placeholder is a placeholder. <see cref="Substituted"/> lists them.
/// </summary>
public sealed class ArmTemplate
{
    private readonly Func<string, string, object?> _moduleOutput;
    public HashSet<string> Substituted { get; } = [];

    private ArmTemplate(Func<string, string, object?> moduleOutput) => _moduleOutput = moduleOutput;

    /// <summary>The app settings of the (one) Function app in <paramref name="mainJson"/>, name → value.</summary>
    public static (IReadOnlyDictionary<string, string> Settings, IReadOnlySet<string> Substituted) FunctionAppSettings(
        JsonObject mainJson, IReadOnlyDictionary<string, object?> parameters, Func<string, string, object?> moduleOutput)
    {
        var arm = new ArmTemplate(moduleOutput);
        var main = new Scope(arm, mainJson, parameters);
        var (module, site) = Resources(mainJson)
            .Where(r => (string?)r["type"] == "Microsoft.Resources/deployments")
            .Select(r => (Module: r, Site: Resources(r["properties"]!["template"]!.AsObject()).SingleOrDefault(x => (string?)x["type"] == "Microsoft.Web/sites")))
            .Single(m => m.Site is not null);

        var given = module["properties"]!["parameters"]!.AsObject()
            .ToDictionary(p => p.Key, p => main.Eval(p.Value!["value"]));
        var inner = new Scope(arm, module["properties"]!["template"]!.AsObject(), given);

        var siteConfig = site!["properties"]!["siteConfig"]!.AsObject();
        var loop = siteConfig["copy"]!.AsArray().Single(c => (string?)c!["name"] == "appSettings")!;
        var count = Convert.ToInt32(inner.Eval(loop["count"]), CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>();
        for (var i = 0; i < count; i++)
        {
            inner.CopyIndex["appSettings"] = i;
            var entry = (Dictionary<string, object?>)inner.Eval(loop["input"])!;
            settings[Text(entry["name"])] = Text(entry["value"]);
        }
        return (settings, arm.Substituted);
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!.AsObject()),
        JsonObject symbolic => symbolic.Select(r => r.Value!.AsObject()),
        _ => [],
    };

    internal static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "True" : "False", // ARM's string(bool)
        long n => n.ToString(CultureInfo.InvariantCulture),
        Placeholder p => p.Text,
        _ => System.Text.Json.JsonSerializer.Serialize(value),
    };

    /// <summary>A value only Azure knows: reading from it gives another placeholder.</summary>
    private sealed record Placeholder(string Text)
    {
        public override string ToString() => Text;
    }

    /// <summary>reference() of a nested deployment: <c>.outputs.X.value</c> is the module output X.</summary>
    private sealed record DeploymentReference(string Deployment, string? Output = null, bool InOutputs = false);

    /// <summary>resourceId() of a nested deployment (a module), by name.</summary>
    private sealed record DeploymentId(string Name);

    private sealed record Lambda(string[] Names, Node Body);

    /// <summary>One template's parameters and variables.</summary>
    private sealed class Scope
    {
        private readonly ArmTemplate _arm;
        private readonly Dictionary<string, object?> _parameters = [];
        private readonly JsonObject _variables;
        private readonly Dictionary<string, object?> _evaluated = [];
        private readonly Stack<Dictionary<string, object?>> _lambdaVariables = new();
        public Dictionary<string, int> CopyIndex { get; } = [];

        public Scope(ArmTemplate arm, JsonObject template, IReadOnlyDictionary<string, object?> given)
        {
            _arm = arm;
            _variables = template["variables"]?.AsObject() ?? [];
            foreach (var (name, definition) in template["parameters"]?.AsObject() ?? [])
                _parameters[name] = given.TryGetValue(name, out var value) ? value
                    : definition!["defaultValue"] is { } d ? new Lazy<object?>(() => Eval(d)) : null;
        }

        public object? Eval(JsonNode? node) => node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s.StartsWith('[') && !s.StartsWith("[[") && s.EndsWith(']')
                ? Evaluate(Parser.Parse(s[1..^1]))
                : s.StartsWith("[[") ? s[1..] : s,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            JsonValue v when v.TryGetValue<long>(out var n) => n,
            JsonValue v => v.ToString(),
            JsonArray a => a.Select(Eval).ToList(),
            JsonObject o => o.Where(p => p.Key != "copy").ToDictionary(p => p.Key, p => Eval(p.Value)),
            _ => throw new NotSupportedException(node.ToJsonString()),
        };

        private object? Parameter(string name) => _parameters.TryGetValue(name, out var v)
            ? v is Lazy<object?> lazy ? lazy.Value : v
            : throw new KeyNotFoundException($"parameter '{name}'");

        private object? Variable(string name)
        {
            if (_evaluated.TryGetValue(name, out var value)) return value;
            if (!_variables.TryGetPropertyValue(name, out var node)) throw new KeyNotFoundException($"variable '{name}'");
            return _evaluated[name] = Eval(node);
        }

        private object? Evaluate(Node node) => node switch
        {
            Literal l => l.Value,
            Member m => MemberOf(Evaluate(m.Target), m.Name),
            Index i => IndexOf(Evaluate(i.Target), Evaluate(i.Key)),
            Call c => Invoke(c),
            _ => throw new NotSupportedException(node.ToString()),
        };

        private object? MemberOf(object? target, string name) => target switch
        {
            Dictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : d.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value,
            DeploymentReference { InOutputs: false } r when name == "outputs" => r with { InOutputs = true },
            DeploymentReference { InOutputs: true, Output: null } r => r with { Output = name },
            DeploymentReference { Output: { } output } r when name == "value" => _arm._moduleOutput(r.Deployment, output),
            _ => _arm.NewPlaceholder($"{target}.{name}"),
        };

        private object? IndexOf(object? target, object? key) => (target, key) switch
        {
            (List<object?> list, long i) => list[(int)i],
            (Dictionary<string, object?>, string name) => MemberOf(target, name),
            _ => _arm.NewPlaceholder($"{target}[{key}]"),
        };

        private object? Invoke(Call call)
        {
            var name = call.Name.ToLowerInvariant();
            switch (name)
            {
                case "if": return Truthy(Evaluate(call.Args[0])) ? Evaluate(call.Args[1]) : Evaluate(call.Args[2]);
                case "lambda":
                    return new Lambda(call.Args[..^1].Select(a => (string)Evaluate(a)!).ToArray(), call.Args[^1]);
            }
            var args = call.Args.Select(Evaluate).ToList();
            switch (name)
            {
                case "parameters": return Parameter((string)args[0]!);
                case "variables": return Variable((string)args[0]!);
                case "lambdavariables":
                    foreach (var frame in _lambdaVariables) if (frame.TryGetValue((string)args[0]!, out var v)) return v;
                    throw new KeyNotFoundException($"lambda variable '{args[0]}'");
                case "copyindex":
                    var loop = args.OfType<string>().FirstOrDefault() ?? CopyIndex.Keys.Single();
                    return (long)CopyIndex[loop] + (args.OfType<long>().FirstOrDefault());
                case "empty": return IsEmpty(args[0]);
                case "not": return !Truthy(args[0]);
                case "and": return args.All(Truthy);
                case "or": return args.Any(Truthy);
                case "bool": return args[0] is string flag ? bool.Parse(flag) : Truthy(args[0]);
                case "equals": return Text(args[0]) == Text(args[1]);
                case "string": return Text(args[0]);
                case "tolower": return Text(args[0]).ToLowerInvariant();
                case "toupper": return Text(args[0]).ToUpperInvariant();
                case "length": return (long)(args[0] switch { string text => text.Length, List<object?> l => l.Count, Dictionary<string, object?> d => d.Count, _ => 0 });
                case "format": return string.Format(CultureInfo.InvariantCulture, Text(args[0]), args.Skip(1).Select(Text).ToArray<object>());
                case "concat":
                    return args.All(a => a is List<object?>) ? args.SelectMany(a => (List<object?>)a!).ToList() : string.Concat(args.Select(Text));
                case "coalesce": return args.FirstOrDefault(a => a is not null);
                case "contains":
                    return args[0] switch
                    {
                        string text => text.Contains(Text(args[1]), StringComparison.OrdinalIgnoreCase),
                        List<object?> l => l.Any(x => Text(x) == Text(args[1])),
                        Dictionary<string, object?> d => d.ContainsKey(Text(args[1])),
                        _ => false,
                    };
                case "createarray": return args;
                case "uniquestring": // deterministic like ARM's (13 characters from a hash of the arguments), not the same hash
                    return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', args.Select(Text)))))[..13].ToLowerInvariant();
                case "createobject":
                    return Enumerable.Range(0, args.Count / 2).ToDictionary(i => Text(args[2 * i]), i => args[2 * i + 1]);
                case "union":
                    var merged = new Dictionary<string, object?>();
                    foreach (var d in args.Cast<Dictionary<string, object?>>()) foreach (var (k, v) in d) merged[k] = v;
                    return merged;
                case "items":
                    return ((Dictionary<string, object?>)args[0]!).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                        .Select(p => (object?)new Dictionary<string, object?> { ["key"] = p.Key, ["value"] = p.Value }).ToList();
                case "filter":
                    return ((List<object?>)args[0]!).Where(x => Truthy(Apply((Lambda)args[1]!, x))).ToList();
                case "toobject":
                    return ((List<object?>)args[0]!).ToDictionary(
                        x => Text(Apply((Lambda)args[1]!, x)),
                        x => args.Count > 2 ? Apply((Lambda)args[2]!, x) : x);
                case "resourceid" or "extensionresourceid" when args.Count >= 2 && Text(args[^2]) == "Microsoft.Resources/deployments":
                    return new DeploymentId(Text(args[^1]));
                case "reference" when args[0] is DeploymentId deployment:
                    return new DeploymentReference(deployment.Name);
                default:
                    return _arm.NewPlaceholder($"{call.Name}({string.Join(", ", args.Select(a => a is string s ? $"'{s}'" : a?.ToString()))})");
            }
        }

        private object? Apply(Lambda lambda, object? argument)
        {
            _lambdaVariables.Push(new Dictionary<string, object?> { [lambda.Names[0]] = argument });
            try { return Evaluate(lambda.Body); }
            finally { _lambdaVariables.Pop(); }
        }

        private static bool IsEmpty(object? value) => value switch
        {
            null => true,
            string s => s.Length == 0,
            List<object?> l => l.Count == 0,
            Dictionary<string, object?> d => d.Count == 0,
            _ => false,
        };

        private static bool Truthy(object? value) => value switch
        {
            bool b => b,
            string s => bool.TryParse(s, out var b) && b,
            _ => false,
        };
    }

    private Placeholder NewPlaceholder(string text)
    {
        var placeholder = new Placeholder($"«{text}»");
        Substituted.Add(placeholder.Text);
        return placeholder;
    }

    // --- the ARM expression language: literals, function calls, .member and [index] ---------------------------------

    private abstract record Node;
    private sealed record Literal(object? Value) : Node;
    private sealed record Call(string Name, Node[] Args) : Node;
    private sealed record Member(Node Target, string Name) : Node;
    private sealed record Index(Node Target, Node Key) : Node;

    private sealed class Parser(string text)
    {
        private int _at;

        public static Node Parse(string text)
        {
            var parser = new Parser(text);
            var node = parser.Expression();
            parser.Skip();
            if (parser._at != text.Length) throw new FormatException($"Unexpected '{text[parser._at..]}' in [{text}]");
            return node;
        }

        private Node Expression()
        {
            var node = Primary();
            while (true)
            {
                Skip();
                if (Peek('.')) { _at++; node = new Member(node, Identifier()); }
                else if (Peek('[')) { _at++; var key = Expression(); Expect(']'); node = new Index(node, key); }
                else return node;
            }
        }

        private Node Primary()
        {
            Skip();
            if (Peek('\''))
            {
                var value = new StringBuilder();
                _at++;
                while (true)
                {
                    if (text[_at] == '\'')
                    {
                        if (_at + 1 < text.Length && text[_at + 1] == '\'') { value.Append('\''); _at += 2; continue; }
                        _at++;
                        return new Literal(value.ToString());
                    }
                    value.Append(text[_at++]);
                }
            }
            if (char.IsDigit(text[_at]) || text[_at] == '-')
            {
                var start = _at++;
                while (_at < text.Length && char.IsDigit(text[_at])) _at++;
                return new Literal(long.Parse(text[start.._at], CultureInfo.InvariantCulture));
            }
            var name = Identifier();
            if (name is "true" or "false" or "null") { if (Peek('(')) { _at++; Expect(')'); } return new Literal(name == "null" ? null : name == "true"); }
            Expect('(');
            var args = new List<Node>();
            Skip();
            if (!Peek(')'))
                do { args.Add(Expression()); Skip(); } while (Peek(',') && _at++ >= 0);
            Expect(')');
            return new Call(name, [.. args]);
        }

        private string Identifier()
        {
            Skip();
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '$')) _at++;
            if (start == _at) throw new FormatException($"Identifier expected at {_at} in [{text}]");
            return text[start.._at];
        }

        private bool Peek(char c) => _at < text.Length && text[_at] == c;
        private void Skip() { while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++; }
        private void Expect(char c)
        {
            Skip();
            if (!Peek(c)) throw new FormatException($"'{c}' expected at {_at} in [{text}]");
            _at++;
        }
    }
}
