using System.Text.Json;
using AutoResponder.Incidents;
using AutoResponder.Outbox;
using Microsoft.Extensions.Options;

namespace AutoResponder.OnCall;

/// <summary>
/// Opening or reopening an incident starts its escalation policy: step 0 (level 1) is owed at once. A responder asked
/// for is paged.
/// </summary>
internal sealed class EscalationEffect(IOptions<OnCallOptions> options) : IIncidentEffect
{
    public IEnumerable<(string Kind, string Payload)> Plan(IncidentRecord incident, TimelineEntry entry)
    {
        if (entry.Kind == OnCallKinds.ResponderRequested && entry.Subject is { } person)
            yield return OnCallOutbox.PageSend.Owe(new PagePayload(entry.At, 0, 0, person, entry.Text,
                Responder: true));
        if (!options.Value.Enabled) yield break;
        if (entry.Kind is TimelineKinds.Opened or TimelineKinds.Reopened)
            yield return OnCallOutbox.EscalationStep.Owe(new EscalationStepPayload(entry.At, 0));
    }
}

/// <summary>
/// One step of an escalation. It looks at the incident when it runs: acknowledged, mitigated or resolved → the
/// escalation stops (a timeline entry says who owns it); otherwise the step's level is paged (one
/// <see cref="OnCallOutbox.PageSend"/> per person) and the next step is owed for <c>start + Σ minutes of the levels so
/// far</c>. After the last level's minutes, a final step notes that nobody acknowledged. A step of an older escalation
/// (the incident reopened since) does nothing.
/// </summary>
internal sealed class EscalationStepHandler(OnCallCatalog catalog, IncidentStates states, TimeProvider time)
    : IOutboxHandler
{
    public async Task<OutboxOutcome> ExecuteAsync(OutboxContext context, CancellationToken ct)
    {
        var o = await catalog.CurrentAsync(ct);
        var step = JsonSerializer.Deserialize<EscalationStepPayload>(context.Action.Payload, JsonSerializerOptions.Web)
            ?? throw new PermanentOutboxException($"The {OnCallOutbox.EscalationStep.Name} payload is empty.");
        var incident = context.Incident;
        var state = await states.ReadAsync<OnCallState>(incident.Id, ct);
        if (state.ChainStart is { } running && (step.Step > 0 ? running != step.ChainStart : running > step.ChainStart))
            return OutboxOutcome.Done("superseded: the incident reopened since; a newer escalation runs");
        if (step.Step > 0 && state.StoppedAt is not null)
            return OutboxOutcome.Done("the escalation stopped already");

        var policy = o.PolicyFor(incident.Service);
        if (policy is null)
            return new OutboxOutcome("no escalation policy",
                $"No escalation policy serves service '{incident.Service ?? "(none)"}': nobody was paged.",
                OnCallKinds.EscalationStopped,
                [StateChange.Of<OnCallState>(s => { s.ChainStart = step.ChainStart; s.StoppedAt = time.GetUtcNow(); s.StopReason = "no policy"; })]);

        var now = time.GetUtcNow();
        if (incident.Status != IncidentStatus.Open)
        {
            var why = incident.Status == IncidentStatus.Acknowledged
                ? $"acknowledged by {incident.Owner ?? incident.StatusUpdatedBy ?? "someone"}"
                : incident.Status.ToApi();
            return new OutboxOutcome($"stopped: {why}",
                step.Step == 0 ? $"No paging: the incident is {why}."
                : step.Step < policy.Steps
                    ? $"Escalation stopped before level {Level(policy, step.Step)}: the incident is {why}."
                : $"Escalation stopped: the incident is {why}.",
                OnCallKinds.EscalationStopped,
                [StateChange.Of<OnCallState>(s => { s.ChainStart = step.ChainStart; s.Policy = policy.Name; s.StoppedAt = now; s.StopReason = why; })]);
        }

        if (step.Step == 0 && !o.EffectivePageAtOnce.Contains(incident.Severity)
            && o.WorkingHours.NextWorkingTime(now) is var workStart && workStart > now)
            return new OutboxOutcome($"deferred to {workStart:u}",
                $"{incident.Severity} pages in working hours: level 1 of '{policy.Name}' is paged at " +
                $"{workStart:yyyy-MM-dd HH:mm} UTC.",
                OnCallKinds.EscalationDeferred,
                Later: [OnCallOutbox.EscalationStep.OweAt(new EscalationStepPayload(workStart, 0), workStart)]);

        if (step.Step >= policy.Steps)
            return new OutboxOutcome("exhausted",
                $"Nobody acknowledged after {policy.Steps} level(s) of '{policy.Name}'; paging has stopped. " +
                $"Acknowledge in the console or add responders.",
                OnCallKinds.EscalationExhausted,
                [StateChange.Of<OnCallState>(s => { s.StoppedAt = now; s.StopReason = "nobody acknowledged"; })]);

        var level = policy.LevelOf(step.Step);
        var (levelNo, round) = (Level(policy, step.Step), step.Step / policy.Levels.Count + 1);
        var people = level.PeopleAt(o, now);
        var roundText = policy.Repeat > 0 ? $", round {round}" : "";
        var text = step.Step == 0
            ? $"Paging level 1 of '{policy.Name}'{roundText}: {string.Join(", ", people)}."
            : $"Escalating to level {levelNo} of '{policy.Name}'{roundText}: nobody acknowledged within " +
                $"{policy.LevelOf(step.Step - 1).Minutes} min. Paging {string.Join(", ", people)}.";
        var reason = $"level {levelNo} of '{policy.Name}'{roundText}";
        var next = step.ChainStart + policy.Before(step.Step + 1);
        return new OutboxOutcome($"paged {people.Count}", text,
            step.Step == 0 ? OnCallKinds.Paged : OnCallKinds.Escalated,
            [StateChange.Of<OnCallState>(s =>
            {
                if (s.ChainStart != step.ChainStart) s.Paged = null; // a new escalation: a new list
                (s.ChainStart, s.Policy, s.Level, s.Round, s.LastPagedAt, s.StoppedAt, s.StopReason) =
                    (step.ChainStart, policy.Name, levelNo, round, now, null, null);
                s.Paged = string.Join(',', s.PagedPeople.Concat(people).Distinct(StringComparer.OrdinalIgnoreCase));
            })],
            Owes: [.. people.Select(p =>
                OnCallOutbox.PageSend.Owe(new PagePayload(step.ChainStart, round, levelNo, p, reason)))],
            Later: [OnCallOutbox.EscalationStep.OweAt(step with { Step = step.Step + 1 }, next)]);
    }

    private static int Level(PolicySettings policy, int step) => step % policy.Levels.Count + 1;
}
