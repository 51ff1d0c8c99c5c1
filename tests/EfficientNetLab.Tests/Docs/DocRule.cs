using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EfficientNetLab.Tests.Docs;

/// <summary>What a finished effnet process must show; placeholders in expected text are expanded first.</summary>
public delegate void DocCheck(DocResult result, DocWorkspace ws);

/// <summary>One effnet process a rule runs: its arguments and its check.</summary>
public sealed record DocStep(Func<DocumentedCommand, DocWorkspace, IReadOnlyList<string>> Args, DocCheck Check)
{
    /// <summary>Send Ctrl-C once stdout has this many lines (commands that run until stopped); 0: never.</summary>
    public int InterruptAfterLines { get; init; }

    /// <summary>Needs torchvision's B0 imagenet1k_v1 file in the torch-hub cache (<see cref="DocWorkspace.SeedHubCache"/>).</summary>
    public bool HubCache { get; init; }
}

/// <summary>How the docs test handles one documented command: the steps it runs, or why it runs none.</summary>
public sealed record DocRule(IReadOnlyList<DocStep> Steps, string? Exemption = null)
{
    public static implicit operator DocRule(DocStep step) => new([step]);
}

/// <summary>The vocabulary the rule table in <see cref="ReadmeCommandTests"/> is written in.</summary>
public static partial class DocRules
{
    /// <summary>Runs these effnet arguments (split at spaces; placeholders per <see cref="DocWorkspace.Expand"/>).</summary>
    public static DocStep Run(string args, DocCheck check, bool hubCache = false, int interruptAfterLines = 0) =>
        new((_, ws) => [.. args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ws.Expand)], check)
        {
            HubCache = hubCache,
            InterruptAfterLines = interruptAfterLines,
        };

    /// <summary>
    /// Runs the documented line itself: the block's variables expanded, <c>effnet</c> or the
    /// <c>dotnet run --project src/EfficientNetLab.Cli … --</c> prefix dropped (the built effnet runs instead),
    /// each <paramref name="replace"/> prefix swapped, every other <c>/tmp/…</c> path moved into the workspace, and
    /// <paramref name="append"/> added (a reduced form: <c>--limit</c>, <c>--epochs</c>).
    /// </summary>
    public static DocStep AsWritten(DocCheck check, string append = "", bool hubCache = false, params (string From, string To)[] replace) =>
        new((command, ws) =>
        {
            var tokens = Words(Variable().Replace(command.Text, m => command.Variables.TryGetValue(m.Groups[1].Value + m.Groups[2].Value, out var v)
                ? v
                : throw new ArgumentException($"{command.Where}: {m.Value} is not set by a name=\"…\" line above it in its block.")));
            int start = tokens[0] == "effnet" ? 1
                : tokens[0] == "dotnet" && tokens.IndexOf("--") is > 0 and var dashes ? dashes + 1
                : throw new ArgumentException($"{command.Where}: effnet runs inside another command here; give the rule Run(...) or Exempt(...).");
            var args = tokens.Skip(start).Concat(append.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(t =>
            {
                foreach (var (from, to) in replace)
                    if (t.StartsWith(from, StringComparison.Ordinal)) return to + t[from.Length..];
                return t.StartsWith("/tmp/", StringComparison.Ordinal) ? "{ws}/" + t["/tmp/".Length..] : t;
            });
            return [.. args.Select(ws.Expand)];
        }, check) { HubCache = hubCache };

    public static DocRule Steps(params DocStep[] steps) => new(steps);

    /// <summary>Runs nothing: the reason must say what runs it instead, or why nothing can here.</summary>
    public static DocRule Exempt(string reason) => new([], reason);

    public static DocCheck Succeeds => (r, _) => Assert.True(r.ExitCode == 0, r.ToString());

    /// <summary>Exit 0 and each text in stdout.</summary>
    public static DocCheck Prints(params string[] texts) => (r, ws) =>
    {
        Succeeds(r, ws);
        foreach (var t in texts) Assert.True(r.Stdout.Contains(ws.Expand(t)), $"'{ws.Expand(t)}' missing in the output of {r}");
    };

    /// <summary>Exit 0, stdout exactly one JSON object, and each dotted path in it (<c>torch.malloc_tuned</c>).</summary>
    public static DocCheck Json(params string[] paths) => (r, ws) =>
    {
        Succeeds(r, ws);
        var json = JsonNode.Parse(r.Stdout)!.AsObject();
        foreach (var path in paths)
            Assert.True(path.Split('.').Aggregate((JsonNode?)json, (node, key) => node?[key]) is not null, $"{path} missing in the JSON of {r}");
    };

    /// <summary>A non-zero exit with this text on stderr.</summary>
    public static DocCheck Fails(string text) => (r, ws) =>
    {
        Assert.True(r.ExitCode != 0, $"expected a failure: {r}");
        Assert.True(r.Stderr.Contains(ws.Expand(text)), $"'{ws.Expand(text)}' missing on stderr of {r}");
    };

    /// <summary>Exit 0 and these files (placeholders expanded) exist and are not empty.</summary>
    public static DocCheck Writes(params string[] files) => (r, ws) =>
    {
        Succeeds(r, ws);
        foreach (var f in files.Select(ws.Expand)) Assert.True(File.Exists(f) && new FileInfo(f).Length > 0, $"{f} not written by {r}");
    };

    public static DocCheck And(this DocCheck first, DocCheck second) => (r, ws) =>
    {
        first(r, ws);
        second(r, ws);
    };

    private static List<string> Words(string line) =>
        [.. Word().Matches(line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)];

    [GeneratedRegex("""\$(?:\{(\w+)\}|(\w+))""")]
    private static partial Regex Variable();

    [GeneratedRegex(@"""([^""]*)""|([^\s""]+)")]
    private static partial Regex Word();
}
