using System.Text.Json.Nodes;
using EfficientNetLab.Cli;

namespace EfficientNetLab.Tests.Support;

/// <summary>Runs the effnet command tree in-process, capturing stdout and stderr.</summary>
public static class Cli
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await EffnetApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a verb with --json and parses stdout, which must hold exactly one JSON object.</summary>
    public static async Task<JsonObject> JsonAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"effnet {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }
}
