using System.Reflection;
using System.Reflection.Emit;
using AutoResponder.Composition;

namespace AutoResponder.Tests.Architecture;

/// <summary>
/// The namespaces of src/Shared (<c>AutoResponder.&lt;Feature&gt;</c> and their sub-namespaces, such as a feature's
/// <c>Api</c>) depend on each other in one direction only. Dependencies are read from the compiled assembly: base types, interfaces, member
/// signatures and every type, method and field the method bodies (lambdas and async state machines included) use.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly Assembly Shared = typeof(AutoResponderServices).Assembly;

    [Fact]
    public void Feature_namespaces_have_no_cycles()
    {
        var edges = FeatureEdges();
        var cycles = StronglyConnected(edges).Where(c => c.Count > 1).ToList();
        var explained = cycles.Select(c => string.Join("; ", edges.Where(e => c.Contains(e.Key.From) && c.Contains(e.Key.To))
            .Select(e => $"{e.Key.From} -> {e.Key.To} ({e.Value})"))).ToList();
        Assert.True(cycles.Count == 0, "Namespace cycles:\n" + string.Join("\n", explained));
    }

    [Fact]
    public void The_reader_sees_a_dependency_that_lives_only_in_a_method_body()
    {
        // The composition root wires every feature up inside method bodies; if bodies were not read, it would depend on almost nothing.
        var edges = FeatureEdges();
        Assert.Contains(edges.Keys, e => e is { From: "Composition", To: "Teams" });
        Assert.DoesNotContain(edges.Keys, e => e.From == e.To);
    }

    private static Dictionary<(string From, string To), string> FeatureEdges()
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in Shared.GetTypes())
        {
            var from = Feature(type);
            if (from is null) continue;
            foreach (var used in Uses(type).SelectMany(Expand))
                if (Feature(used) is { } to && to != from) edges.TryAdd((from, to), $"{type.Name} uses {used.Name}");
        }
        return edges;
    }

    private static string? Feature(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        if (type.Assembly != Shared || type.Namespace is not { } ns || !ns.StartsWith("AutoResponder.", StringComparison.Ordinal)) return null;
        return ns["AutoResponder.".Length..];
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType) { foreach (var t in Expand(type.GetElementType()!)) yield return t; yield break; }
        yield return type;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
            foreach (var t in type.GetGenericArguments().SelectMany(Expand)) yield return t;
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Uses(Type type)
    {
        if (type.BaseType is { } baseType) yield return baseType;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var member in type.GetMembers(All))
        {
            switch (member)
            {
                case FieldInfo f: yield return f.FieldType; break;
                case PropertyInfo p: yield return p.PropertyType; break;
                case EventInfo e when e.EventHandlerType is { } handler: yield return handler; break;
            }
            if (member is not MethodBase method) continue;
            foreach (var p in method.GetParameters()) yield return p.ParameterType;
            if (method is MethodInfo m) yield return m.ReturnType;
            foreach (var used in BodyUses(method)) yield return used;
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types named by the tokens of a method body's IL (calls, fields, allocations, casts, ldtoken…).</summary>
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member = null;
                    try { member = module.ResolveMember(token, typeArgs, methodArgs); } catch (ArgumentException) { } catch (BadImageFormatException) { }
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case MethodBase m:
                            if (m.DeclaringType is { } d) yield return d;
                            if (m is MethodInfo { IsGenericMethod: true } g) foreach (var a in g.GetGenericArguments()) yield return a;
                            break;
                        case FieldInfo f:
                            if (f.DeclaringType is { } fd) yield return fd;
                            yield return f.FieldType;
                            break;
                    }
                    break;
                default: i += 4; break;
            }
        }
    }

    /// <summary>Tarjan's strongly connected components of the feature graph.</summary>
    private static List<HashSet<string>> StronglyConnected(Dictionary<(string From, string To), string> edges)
    {
        var nodes = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().ToList();
        var next = nodes.ToDictionary(n => n, n => edges.Keys.Where(e => e.From == n).Select(e => e.To).ToList());
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<HashSet<string>>();
        var counter = 0;
        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new HashSet<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var n in nodes) if (!index.ContainsKey(n)) Visit(n);
        return result;
    }
}
