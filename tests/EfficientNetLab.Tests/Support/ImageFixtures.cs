using System.Security.Cryptography;

namespace EfficientNetLab.Tests.Support;

/// <summary>
/// Real photos shipped by Debian's python3-skimage, re-encoded by PIL into the formats the kit must read
/// (tests/parity/make_image_fixtures.py), with torchvision's preprocessed tensors for them.
/// </summary>
public static class ImageFixtures
{
    public const string SkimageData = "/usr/lib/python3/dist-packages/skimage/data";

    public static readonly string[] Photos = ["astronaut.png", "coffee.png", "rocket.jpg", "chelsea.png"];

    private static readonly Lazy<string> directory = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => directory.Value;

    public static IEnumerable<string> Files => System.IO.Directory.GetFiles(Path.Combine(Directory, "images")).Order();

    private static string Generate()
    {
        var script = Path.Combine(Repo.Root, "tests", "parity", "make_image_fixtures.py");
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(script)))[..16];
        var dir = Path.Combine(Repo.FixtureCache, "images-" + hash);
        if (!File.Exists(Path.Combine(dir, "manifest.json")))
        {
            var tmp = dir + ".tmp";
            if (System.IO.Directory.Exists(tmp)) System.IO.Directory.Delete(tmp, recursive: true);
            Repo.Run(Repo.Python, [script, "--out", tmp, .. Photos.Select(p => Path.Combine(SkimageData, p))]);
            System.IO.Directory.Move(tmp, dir);
        }
        return dir;
    }
}
