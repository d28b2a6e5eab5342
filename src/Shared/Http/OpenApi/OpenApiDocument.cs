using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace AutoResponder.Http.OpenApi;

/// <summary>
/// Builds the OpenAPI 3.1 document from the declared routes' operations: paths from the routes, schemas from the
/// request/response records via System.Text.Json's schema exporter with the API's own serializer settings (so
/// the names and casing are what the API actually writes). Every record of ours becomes a named component.
/// </summary>
internal static class OpenApiDocument
{
    public static JsonObject Build(IEnumerable<ApiOperation> operations)
    {
        var schemas = new Schemas();
        var paths = new JsonObject();
        foreach (var op in operations)
        {
            var path = $"/api/{op.Route}";
            if (paths[path] is not JsonObject item) paths[path] = item = new JsonObject();
            var operation = new JsonObject
            {
                ["operationId"] = op.OperationId,
                ["tags"] = new JsonArray(op.Tag),
                ["summary"] = op.Summary,
            };
            if (op.Parameters.Count > 0)
                operation["parameters"] = new JsonArray(op.Parameters.Select(Parameter).ToArray<JsonNode?>());
            if (op.RequestBody is { } body)
                operation["requestBody"] = new JsonObject
                {
                    ["required"] = op.RequestBodyRequired,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schemas.For(body) } },
                };
            var responses = new JsonObject();
            foreach (var r in op.Responses.Concat(ApiDocs.Common).DistinctBy(r => r.Status).OrderBy(r => r.Status))
            {
                var response = new JsonObject { ["description"] = r.Description };
                if (r.Body is { } type)
                    response["content"] = new JsonObject
                    {
                        [type == typeof(ProblemBody) ? "application/problem+json" : "application/json"] = new JsonObject { ["schema"] = schemas.For(type) },
                    };
                else if (r.MediaType is { } mediaType) // a file (CSV, Markdown), not JSON
                    response["content"] = new JsonObject { [mediaType] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } };
                if (r.ETag)
                    response["headers"] = new JsonObject
                    {
                        ["ETag"] = new JsonObject { ["description"] = "The incident's version; send it as If-Match on an action.", ["schema"] = new JsonObject { ["type"] = "string" } },
                    };
                responses[r.Status.ToString()] = response;
            }
            operation["responses"] = responses;
            item[op.Method.ToLowerInvariant()] = operation;
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "AutoResponder API",
                ["version"] = "2.0.0",
                ["description"] = "Incident automation: alert intake, incidents and their timeline, alerts, side " +
                    "effects and impact. " +
                    "Errors are RFC 9457 problem details whose `field` names the offending input.",
            },
            ["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() }, new JsonObject { ["functionKeyQuery"] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                    ["functionKeyQuery"] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "code" },
                },
                ["schemas"] = schemas.Components,
            },
        };
    }

    private static JsonObject Parameter(ApiParameter p)
    {
        var schema = new JsonObject { ["type"] = p.Format == "int32" ? "integer" : "string" };
        if (p.Format.Length > 0) schema["format"] = p.Format;
        if (p.Values is { } values) schema["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
        return new JsonObject
        {
            ["name"] = p.Name,
            ["in"] = p.In.ToString().ToLowerInvariant(),
            ["required"] = p.Required,
            ["description"] = p.Description,
            ["schema"] = schema,
        };
    }

    /// <summary>Named component schemas: one per record type of ours, referenced wherever it is used.</summary>
    private sealed class Schemas
    {
        private static readonly JsonSerializerOptions Options = new(ApiResult.Json)
        {
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };

        private readonly Dictionary<Type, string> _names = [];
        public JsonObject Components { get; } = new();

        public JsonNode For(Type type)
        {
            if (type == typeof(JsonObject)) return new JsonObject { ["type"] = "object" };
            var node = Options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
            {
                TreatNullObliviousAsNonNullable = true,
                TransformSchemaNode = (context, schema) =>
                    context.Path.Length > 0 && IsRecord(context.TypeInfo)
                        ? Reference(context.TypeInfo.Type, schema) : schema,
            });
            return IsRecord(Options.GetTypeInfo(type)) ? Reference(type, node) : node;
        }

        private static bool IsRecord(JsonTypeInfo info) =>
            info.Kind == JsonTypeInfoKind.Object && info.Type.Assembly == typeof(ApiResult).Assembly;

        /// <summary>
        /// A nested record is named after its endpoint too: AlertsEndpoint.Response → AlertsResponse.
        /// </summary>
        private static string NameOf(Type type)
        {
            if (type.DeclaringType is not { } outer) return type.Name;
            var prefix = outer.Name.Replace("Endpoint", "", StringComparison.Ordinal);
            return type.Name.StartsWith(prefix, StringComparison.Ordinal) ? type.Name : prefix + type.Name;
        }

        /// <summary>Stores the schema as a component and answers a $ref (nullable where the use is nullable).</summary>
        private JsonNode Reference(Type type, JsonNode schema)
        {
            var nullable = schema["type"] is JsonArray types && types.Any(t => (string?)t == "null");
            if (!_names.TryGetValue(type, out var name))
            {
                var baseName = NameOf(type);
                name = baseName;
                for (var n = 2; _names.ContainsValue(name); n++) name = $"{baseName}{n}";
                _names[type] = name;
                var component = schema.DeepClone().AsObject();
                if (nullable) component["type"] = "object";
                Components[name] = component;
            }
            var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{name}" };
            return nullable ? new JsonObject { ["anyOf"] = new JsonArray(reference, new JsonObject { ["type"] = "null" }) } : reference;
        }
    }
}
