using System.Diagnostics;

namespace EfficientNetLab.Interactive.Tests;

/// <summary>
/// The magics and the <c>effnet</c> CLI share their option definitions: the same bad value is refused by both with
/// the same message. The CLI runs as its own process (the solution's build of it, as a user runs it).
/// </summary>
[Collection("notebook")]
public class OptionParityTests(NotebookKernel notebook)
{
    private static readonly string Chelsea = Repo.Sample("chelsea.png");

    /// <summary>magic, CLI arguments, what the message must name.</summary>
    public static TheoryData<string, string, string> BadValues => new()
    {
        { "#!accuracy --model m --data DATA --backend 1", "eval --weights random --model b0 --data DATA --backend 1", "'1'" },
        { "#!accuracy --model m --data DATA --batch-size 0", "eval --weights random --model b0 --data DATA --batch-size 0", "'0'" },
        { "#!accuracy --model m --data DATA --batch-size x", "eval --weights random --model b0 --data DATA --batch-size x", "'x'" },
        { "#!accuracy --model m --data DATA --limit 0", "eval --weights random --model b0 --data DATA --limit 0", "--limit" },
        // Placement belongs to the model: #!efficientnet takes --device, as eval (which places the model it loads) does.
        { "#!efficientnet --model b0 --weights random --device gpu", "eval --weights random --model b0 --data DATA --device gpu", "'gpu'" },
        { "#!benchmark --model m --batch-size 1,x", "bench --model b0 --batch-size 1,x", "'1,x'" },
        { "#!benchmark --model m --repeats 0", "bench --model b0 --repeats 0", "--repeats" },
        { $"#!classify --model m {Chelsea} --topk 0", $"predict --weights random --model b0 --topk 0 {Chelsea}", "--topk" },
        { "#!efficientnet --model b99 --weights random", "predict --model b99 --weights random x.png", "'b99'" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_cli_and_the_magic_refuse_a_bad_value_with_the_same_message(string magic, string cli, string names)
    {
        (await notebook.Run("#!efficientnet --model b0 --weights random --name m")).Succeeded();
        var data = Directory.CreateTempSubdirectory("effnet-options").FullName;
        var failure = (await notebook.Run(magic.Replace("DATA", data))).FailedWithOneLine();
        var name = magic.Split(' ')[0];
        // Magic.Add's one line: "#!magic: MESSAGE (see #!magic --help)".
        Assert.StartsWith($"{name}: ", failure);
        Assert.EndsWith($" (see {name} --help)", failure);
        var fromMagic = failure[(name.Length + 2)..^$" (see {name} --help)".Length];

        var (code, stderr) = Effnet(cli.Replace("DATA", data).Split(' '));
        Assert.Equal(1, code);
        var fromCli = stderr.Split('\n')[0].Trim();
        Assert.Equal(fromCli, fromMagic);
        Assert.Contains(names, fromMagic);
    }

    /// <summary>The CLI the solution built beside this test assembly's configuration.</summary>
    private static (int ExitCode, string Stderr) Effnet(string[] args)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0/
        var effnet = Path.Combine(Repo.Root, "src", "EfficientNetLab.Cli", "bin", configuration, "net10.0", "linux-x64", "effnet");
        if (!File.Exists(effnet)) throw new FileNotFoundException($"{effnet}: build the solution first (test.sh does).", effnet);
        var psi = new ProcessStartInfo(effnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stderr.Result);
    }
}
