using System.Diagnostics;

namespace EfficientNetLab.Tests.Support;

/// <summary>Paths of the repository and helpers to run its Python reference scripts.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shipped Fashion-MNIST checkpoint (with its .json sidecar) and its 500 test images.</summary>
    public static string SampleCheckpoint => Path.Combine(Root, "samples", "fashion-mnist", "efficientnet_b0_fashion_mnist.pth");

    public static string SampleImages => Path.Combine(Root, "samples", "fashion-mnist", "test");

    /// <summary>Debian's interpreter: it has python3-torchvision; the one first on PATH may not.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Where generated fixtures are cached between runs: EFFNET_FIXTURES_DIR or ~/.cache/efficientnet-lab.</summary>
    public static string FixtureCache =>
        Environment.GetEnvironmentVariable("EFFNET_FIXTURES_DIR") is { Length: > 0 } d ? d
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "efficientnet-lab");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EfficientNetLab.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (EfficientNetLab.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a program to completion; a non-zero exit fails the test with its output.</summary>
    public static string Run(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, int timeoutSeconds = 900)
    {
        var result = RunRaw(fileName, args, env, timeoutSeconds);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.Stdout}\n{result.Stderr}");
        return result.Stdout;
    }

    /// <param name="env">Variables to set; a null value removes the variable from the child's environment.</param>
    public static (int ExitCode, string Stdout, string Stderr) RunRaw(string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null, int timeoutSeconds = 900)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} ran over {timeoutSeconds} s.");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Starts <paramref name="program"/> the way a terminal's Ctrl-C finds it: SIGINT at its default. A test run
    /// started in the background of a shell (CI scripts, `cmd &`) ignores SIGINT and children inherit that across
    /// exec, so without env's reset the program would never see the interrupt the test sends.
    /// </summary>
    public static ProcessStartInfo Interruptible(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("/usr/bin/env", ["--default-signal=INT", program, .. args]);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        return psi;
    }

    /// <summary>Runs Python code with Debian's interpreter and returns its stdout.</summary>
    public static string PythonCode(string code, params string[] args) => Run(Python, new[] { "-c", code }.Concat(args));
}
