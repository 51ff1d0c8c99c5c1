using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Docs;

/// <summary>What one effnet process did.</summary>
public sealed record DocResult(IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"effnet {string.Join(' ', Args)} exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// The local stand-ins a documented command runs against, one folder per command (or per code block, whose lines
/// share files): placeholders for fixture paths, a private torch-hub cache, and a 127.0.0.1 weights mirror that
/// every process is pointed at (EFFNET_WEIGHTS_BASE_URL), so nothing leaves the machine.
/// </summary>
public sealed partial class DocWorkspace(LocalHttpServer mirror) : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("effnet-docs").FullName;

    /// <summary>The shipped sample checkpoint, served by <see cref="StandInUrl"/> under a torch.hub-style name.</summary>
    public static readonly byte[] StandInBytes = File.ReadAllBytes(Repo.SampleCheckpoint);

    public static string StandInName { get; } =
        $"efficientnet_b0_fashion_mnist-{Convert.ToHexStringLower(SHA256.HashData(StandInBytes))[..8]}.pth";

    public Uri StandInUrl => new(mirror.BaseUrl, StandInName);

    public string TorchHome => Path.Combine(Root, "torch");

    /// <summary>
    /// Placeholders a rule may use: {ws} this folder, {repo}, {sample} the shipped checkpoint (with its sidecar),
    /// {fm} its 500 test images (an ImageFolder), {images} and {image} the two photos in samples/images,
    /// {wnids} an ImageFolder of those photos under their ImageNet wnids, {npy} a 2×3×56×56 float32 .npy,
    /// {mirror} the weights server, {standin-url} the sample on it under a hash-carrying name, {standin} that file
    /// on disk, {parity} torchvision's parity fixtures (tests/parity/make_fixtures.py).
    /// </summary>
    public string Expand(string text) => Placeholder().Replace(text, m => m.Groups[1].Value switch
    {
        "ws" => Root,
        "repo" => Repo.Root,
        "sample" => Repo.SampleCheckpoint,
        "fm" => Repo.SampleImages,
        "images" => Path.Combine(Repo.Root, "samples", "images"),
        "image" => Path.Combine(Repo.Root, "samples", "images", "chelsea.png"),
        "wnids" => WnidFolder(),
        "npy" => InputNpy(),
        "mirror" => mirror.BaseUrl.ToString(),
        "standin-url" => StandInUrl.ToString(),
        "standin" => StandInFile(),
        "parity" => ParityFixtures.Directory,
        var other => throw new ArgumentException($"Unknown placeholder {{{other}}} in '{text}'."),
    });

    /// <summary>
    /// Puts a torchvision-shaped B0 (1000 classes; the parity fixture) into this folder's torch-hub cache under the
    /// official imagenet1k_v1 file name: those weights cannot be downloaded here, and their hash cannot be faked.
    /// </summary>
    public void SeedHubCache()
    {
        var published = CheckpointRegistry.Get("b0", "imagenet1k_v1");
        var dir = Path.Combine(TorchHome, "hub", "checkpoints");
        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, published.FileName);
        if (!File.Exists(target)) File.CreateSymbolicLink(target, Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"));
    }

    private string WnidFolder()
    {
        var root = Path.Combine(Root, "wnids");
        foreach (var (wnid, photo) in new[] { ("n02124075", "chelsea.png"), ("n07920052", "coffee.png") })
        {
            Directory.CreateDirectory(Path.Combine(root, wnid));
            var target = Path.Combine(root, wnid, photo);
            if (!File.Exists(target)) File.Copy(Path.Combine(Repo.Root, "samples", "images", photo), target);
        }
        return root;
    }

    private string InputNpy()
    {
        var path = Path.Combine(Root, "input.npy");
        if (!File.Exists(path))
        {
            using var x = randn(2, 3, 56, 56);
            Npy.Write(path, x);
        }
        return path;
    }

    private string StandInFile()
    {
        var path = Path.Combine(Root, StandInName);
        if (!File.Exists(path)) File.WriteAllBytes(path, StandInBytes);
        return path;
    }

    /// <summary>
    /// Runs the built effnet in the repository root (the README's relative paths), with this folder's torch-hub
    /// cache and the local mirror. <paramref name="interruptAfterLines"/> sends Ctrl-C (SIGINT) once stdout has that
    /// many lines, for commands that run until stopped: by then the command is in its loop.
    /// </summary>
    public DocResult Run(IReadOnlyList<string> args, int interruptAfterLines = 0)
    {
        var effnet = Path.Combine(AppContext.BaseDirectory, "effnet");
        var psi = interruptAfterLines > 0 ? Repo.Interruptible(effnet, args)
            : new ProcessStartInfo(effnet, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.WorkingDirectory = Repo.Root;
        psi.Environment["TORCH_HOME"] = TorchHome;
        psi.Environment["EFFNET_WEIGHTS_BASE_URL"] = mirror.BaseUrl.ToString();
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        int lines = 0;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (Interlocked.Increment(ref lines) == interruptAfterLines) kill(p.Id, SIGINT);
        };
        p.Start();
        p.BeginOutputReadLine();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"effnet {string.Join(' ', args)} ran over 5 minutes; stdout so far:\n{stdout}");
        }
        p.WaitForExit(); // drains the asynchronous stdout reader
        return new DocResult(args, p.ExitCode, stdout.ToString(), stderr.Result);
    }

    private const int SIGINT = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [GeneratedRegex(@"\{([a-z-]+)\}")]
    private static partial Regex Placeholder();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
