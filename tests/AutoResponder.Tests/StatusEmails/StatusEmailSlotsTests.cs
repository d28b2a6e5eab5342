using AutoResponder.Alerts;
using AutoResponder.StatusEmails;
using Microsoft.Extensions.Time.Testing;

namespace AutoResponder.Tests.StatusEmails;

public sealed class StatusEmailSlotsTests
{
    [Theory]
    [InlineData(Severity.Sev0, 30)]
    [InlineData(Severity.Sev1, 30)]
    [InlineData(Severity.Sev2, 60)]
    [InlineData(Severity.Sev3, 240)]
    [InlineData(Severity.Sev4, 1440)]
    public void Default_cadence_by_severity(Severity severity, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), new StatusEmailOptions().CadenceFor(severity));

    [Fact]
    public void Slots_advance_with_the_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var opened = time.GetUtcNow();
        var cadence = TimeSpan.FromMinutes(30);

        Assert.Equal(0, StatusEmailSlots.SlotAt(opened, cadence, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, StatusEmailSlots.SlotAt(opened, cadence, time.GetUtcNow()));
        Assert.Equal(opened.AddMinutes(30), StatusEmailSlots.NextDue(opened, cadence, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, StatusEmailSlots.SlotAt(opened, cadence, time.GetUtcNow()));
        Assert.Equal(opened.AddMinutes(60), StatusEmailSlots.NextDue(opened, cadence, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(95));
        Assert.Equal(4, StatusEmailSlots.SlotAt(opened, cadence, time.GetUtcNow()));
        Assert.Equal(opened.AddMinutes(120), StatusEmailSlots.SlotStart(opened, cadence, 4));
    }

    [Fact]
    public void Cadence_settings_are_validated_by_name()
    {
        var options = new StatusEmailOptions();
        options.CadenceMinutes["Sev9"] = 30;
        options.CadenceMinutes["Sev1"] = 1;
        var result = new StatusEmailOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:StatusEmails:CadenceMinutes:Sev9"));
        Assert.Contains(result.Failures!, f => f.StartsWith("AutoResponder:StatusEmails:CadenceMinutes:Sev1 must be between 5"));
    }
}
