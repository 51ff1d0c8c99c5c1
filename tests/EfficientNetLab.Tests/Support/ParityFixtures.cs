using System.Security.Cryptography;

namespace EfficientNetLab.Tests.Support;

/// <summary>
/// torchvision reference checkpoints, inputs and logits made by tests/parity/make_fixtures.py with Debian's
/// python3-torchvision. Generated once per version of the script (its hash names the cache folder).
/// </summary>
public sealed class ParityFixtures
{
    private static readonly Lazy<string> directory = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => directory.Value;

    public static string Variant(string variant) => Path.Combine(Directory, variant);

    public static string Bad(string name) => Path.Combine(Directory, "bad", name);

    private static string Generate()
    {
        var script = Path.Combine(Repo.Root, "tests", "parity", "make_fixtures.py");
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(script)))[..16];
        var dir = Path.Combine(Repo.FixtureCache, "parity-" + hash);
        if (!File.Exists(Path.Combine(dir, "COMPLETE"))) Repo.Run(Repo.Python, [script, "--out", dir]);
        return dir;
    }
}
