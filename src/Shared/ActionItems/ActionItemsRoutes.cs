using AutoResponder.Access;
using AutoResponder.Http.OpenApi;
using AutoResponder.Routes;
using static AutoResponder.Http.OpenApi.ApiDocs;

namespace AutoResponder.ActionItems;

/// <summary>The action-item routes. Each route is declared once here (see <see cref="ApiRoute"/>).</summary>
public static class ActionItemsRoutes
{
    public const string AddActionItem = nameof(AddActionItem);
    public const string AddActionItemPath = "api/incidents/{id}/action-items";
    public const string UpdateActionItemStatus = nameof(UpdateActionItemStatus);
    public const string UpdateActionItemStatusPath = "api/incidents/{id}/action-items/{item}/status";
    public const string ListActionItems = nameof(ListActionItems);
    public const string ListActionItemsPath = "api/action-items";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new(AddActionItem, "POST", AddActionItemPath, RouteAccess.Act, "Action items",
            "Add an action item from the incident's review: the owner (an e-mail address) is reminded the working " +
            "day before and on the due date, " +
            "and an open item past its due date is escalated to the incident's managers. On the timeline.",
            [Id], typeof(ActionItemRequest), true,
            [new(201, "The item.", typeof(ActionItemJson)),
                Problem(400, "Malformed JSON or a missing field; `field` names it."), NotFound,
             Problem(413, "The body is over the size limit."), Problem(415, "The body is not application/json."),
             BadInput],
            async c => await c.Get<ActionItemsEndpoint>().AddAsync(c.Request, c.Caller, c.Id, c.Ct)),
        new(UpdateActionItemStatus, "POST", UpdateActionItemStatusPath, RouteAccess.Act, "Action items",
            "Mark an action item open, done, or dropped (with a reason). Reminders stop when it is done or dropped. " +
            "On the timeline.",
            [Id, new("item", ParameterIn.Path, "The item id (itemId).", Required: true)],
            typeof(ActionItemStatusRequest), true,
            [new(200, "The item.", typeof(ActionItemJson)),
                Problem(400, "Malformed JSON or a missing field; `field` names it."),
             Problem(404, "No such incident (`field` id) or item (`field` item)."),
             Problem(415, "The body is not application/json."), BadInput],
            async c => await c.Get<ActionItemsEndpoint>().StatusAsync(c.Request, c.Caller, c.Id, c["item"], c.Ct)),
        new(ListActionItems, "GET", ListActionItemsPath, RouteAccess.Read, "Action items",
            "Action items across incidents, from an index (no incident is read).",
            [new("owner", ParameterIn.Query, "Only this owner's items (e-mail address, case-insensitive)."),
             new("status", ParameterIn.Query, "Only items in this status.", Values: ActionItemKinds.Statuses),
             new("overdue", ParameterIn.Query, "true: only open items past their due date."),
             new("limit", ParameterIn.Query,
                 $"Page size, 1 to {ActionItemsEndpoint.MaxLimit} (default {ActionItemsEndpoint.DefaultLimit}).",
                 Format: "int32"), Cursor],
            null, false, [new(200, "One page; follow nextCursor until it is null. A page may hold fewer than limit items.", typeof(ActionItemPage)), BadInput],
            async c => await c.Get<ActionItemsEndpoint>().ListAsync(c.Request, c.Ct)),
    ];
}
