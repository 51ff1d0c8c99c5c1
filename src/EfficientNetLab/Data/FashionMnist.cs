using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace EfficientNetLab.Data;

/// <summary>One split of Fashion-MNIST: grayscale images, row-major, one byte per pixel, and their labels.</summary>
public sealed record FashionMnistSplit(string Name, int Count, int Height, int Width, byte[] Pixels, byte[] Labels)
{
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);
}

/// <summary>What <see cref="FashionMnist.Export"/> left on disk; <c>Skipped</c> when it was already there.</summary>
public sealed record FashionMnistExport(string Split, string Directory, int Images, bool Skipped);

/// <summary>
/// Zalando's Fashion-MNIST read from its IDX files (Debian's <c>dataset-fashion-mnist</c> package), and exported
/// as an ImageFolder of PNGs so that it runs through the same data path as ImageNet.
/// </summary>
public static class FashionMnist
{
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    public static IReadOnlyList<string> Splits { get; } = ["train", "test"];

    /// <summary>Class names in label order, as torchvision's <c>FashionMNIST.classes</c>.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Class folder names: the class names with '/' (impossible in a file name) and spaces (awkward in a shell) as
    /// '_', so that the folders map onto a checkpoint's classes by name (<see cref="LabelMapping.ClassNames"/>).
    /// </summary>
    public static IReadOnlyList<string> FolderNames { get; } = Classes.Select(c => c.Replace('/', '_').Replace(' ', '_')).ToArray();

    /// <summary>Reads "train" (60,000 images) or "test" (10,000) from <c>{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]</c>.</summary>
    public static FashionMnistSplit Read(string split, string directory = DebianDirectory)
    {
        var prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw new ArgumentException($"Unknown Fashion-MNIST split '{split}' (train or test).", nameof(split)),
        };
        var (imageShape, pixels) = ReadIdx(Locate(directory, $"{prefix}-images-idx3-ubyte"), 0x00000803);
        var (labelShape, labels) = ReadIdx(Locate(directory, $"{prefix}-labels-idx1-ubyte"), 0x00000801);
        if (labelShape[0] != imageShape[0])
            throw new InvalidDataException($"{directory}: {imageShape[0]} images but {labelShape[0]} labels in the {split} split.");
        if (labels.Any(l => l >= Classes.Count))
            throw new InvalidDataException($"{directory}: a {split} label is outside 0…{Classes.Count - 1}.");
        return new FashionMnistSplit(split, imageShape[0], imageShape[1], imageShape[2], pixels, labels);
    }

    /// <summary>
    /// Writes <c>outDir/split/&lt;class folder&gt;/NNNNN.png</c> (NNNNN: the position in the IDX file, zero-padded so
    /// that sorted order is file order) and <c>outDir/classes.txt</c>, a timm class map in Fashion-MNIST's label
    /// order. A split already exported with the same images is left alone; otherwise it is written to a side
    /// folder and renamed, so an interrupted export never passes for a complete one.
    /// </summary>
    public static FashionMnistExport Export(string outDir, string split, int? limit = null, string directory = DebianDirectory)
    {
        if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), "The limit cannot be negative.");
        var data = Read(split, directory);
        int count = Math.Min(limit ?? data.Count, data.Count);
        var files = Enumerable.Range(0, count).Select(i => Path.Combine(FolderNames[data.Labels[i]], $"{i:D5}.png")).ToArray();
        var target = Path.Combine(outDir, split);
        var existing = Directory.Exists(target)
            ? Directory.GetFiles(target, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Select(f => Path.GetRelativePath(target, f)).ToHashSet()
            : [];
        // Replacing a folder is only safe when it is an earlier export (another limit), not the user's data.
        if (!existing.All(f => f.EndsWith(".png", StringComparison.Ordinal) && FolderNames.Contains(Path.GetDirectoryName(f))))
            throw new IOException($"{target}: exists and is not a Fashion-MNIST export; choose another output folder.");
        File.WriteAllLines(Path.Combine(Directory.CreateDirectory(outDir).FullName, "classes.txt"), FolderNames);
        if (Directory.Exists(target) && existing.SetEquals(files)) return new FashionMnistExport(split, target, count, Skipped: true);

        var partial = target + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        // Every class gets its folder even when the limit leaves it empty, so that sorted folder order stays the same.
        foreach (var folder in FolderNames) Directory.CreateDirectory(Path.Combine(partial, folder));
        var encoder = new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 };
        Parallel.For(0, count, i =>
        {
            using var image = SixLabors.ImageSharp.Image.LoadPixelData<L8>(data.Image(i), data.Width, data.Height);
            image.SaveAsPng(Path.Combine(partial, files[i]), encoder);
        });
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(partial, target);
        return new FashionMnistExport(split, target, count, Skipped: false);
    }

    private static string Locate(string directory, string stem)
    {
        foreach (var name in new[] { stem, stem + ".gz" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"{Path.Combine(directory, stem)}[.gz]: not found; install Debian's dataset-fashion-mnist (it fills {DebianDirectory}) " +
            "or point to a folder with Zalando's IDX files.");
    }

    /// <summary>IDX: a big-endian magic (0, 0, 0x08 = unsigned bytes, number of dimensions), the sizes, the data.</summary>
    private static (int[] Shape, byte[] Data) ReadIdx(string path, int magic)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            Span<byte> word = stackalloc byte[4];
            stream.ReadExactly(word);
            int found = BinaryPrimitives.ReadInt32BigEndian(word);
            if (found != magic) throw new InvalidDataException($"magic number 0x{found:X8}, expected 0x{magic:X8}.");
            var shape = new int[magic & 0xFF];
            for (int d = 0; d < shape.Length; d++)
            {
                stream.ReadExactly(word);
                shape[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            }
            var data = new byte[checked(shape.Aggregate(1, (a, b) => a * b))];
            stream.ReadExactly(data);
            return (shape, data);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: {(e is EndOfStreamException ? "truncated." : e.Message)}", e);
        }
    }
}
