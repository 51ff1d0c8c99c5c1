using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace EfficientNetLab.Tests.Data;

/// <summary>Needs Debian's dataset-fashion-mnist (installed by .ci/run).</summary>
public class FashionMnistTests
{
    [Fact]
    public void Debian_test_split_has_10000_images_1000_per_class()
    {
        var test = FashionMnist.Read("test");
        Assert.Equal((10_000, 28, 28), (test.Count, test.Height, test.Width));
        Assert.Equal(10_000 * 28 * 28, test.Pixels.Length);
        Assert.All(test.Labels.CountBy(l => l), c => Assert.Equal(1000, c.Value));
        Assert.Equal(10, test.Labels.Distinct().Count());
        Assert.Equal("Ankle boot", FashionMnist.Classes[test.Labels[0]]);
    }

    [Fact]
    public void Unzipped_and_damaged_IDX_files_are_read_or_refused()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-idx").FullName;
        foreach (var name in new[] { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(FashionMnist.DebianDirectory, name + ".gz")),
                System.IO.Compression.CompressionMode.Decompress);
            using var raw = File.Create(Path.Combine(dir, name));
            gz.CopyTo(raw);
        }
        Assert.Equal(FashionMnist.Read("test").Pixels, FashionMnist.Read("test", dir).Pixels);

        var images = Path.Combine(dir, "t10k-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..^100]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => FashionMnist.Read("test", dir)).Message);
        bytes[3] = 0x01;
        File.WriteAllBytes(images, bytes);
        Assert.Contains("magic number 0x00000801, expected 0x00000803", Assert.Throws<InvalidDataException>(() => FashionMnist.Read("test", dir)).Message);
        Assert.Contains("dataset-fashion-mnist", Assert.Throws<FileNotFoundException>(() => FashionMnist.Read("train", dir)).Message);
    }

    [Fact]
    public void Export_writes_grayscale_PNGs_equal_to_the_IDX_bytes_once()
    {
        var test = FashionMnist.Read("test");
        var outDir = Directory.CreateTempSubdirectory("effnet-fmnist").FullName;
        var export = FashionMnist.Export(outDir, "test", limit: 20);
        Assert.Equal((20, false), (export.Images, export.Skipped));

        var files = Directory.GetFiles(export.Directory, "*", SearchOption.AllDirectories);
        Assert.Equal(20, files.Length);
        for (int i = 0; i < 20; i++)
        {
            var path = Path.Combine(export.Directory, FashionMnist.FolderNames[test.Labels[i]], $"{i:D5}.png");
            using var png = Image.Load<L8>(path);
            Assert.Equal(PngColorType.Grayscale, png.Metadata.GetPngMetadata().ColorType);
            Assert.Equal((28, 28), (png.Width, png.Height));
            var pixels = new byte[28 * 28];
            png.CopyPixelDataTo(pixels);
            Assert.Equal(test.Image(i).ToArray(), pixels);
            Assert.Equal(test.Image(i)[500], ImageDecoder.Decode(path).Pixels[500 * 3]); // what evaluation will see
        }

        var written = File.GetLastWriteTimeUtc(files[0]);
        Assert.True(FashionMnist.Export(outDir, "test", limit: 20).Skipped);
        Assert.Equal(written, File.GetLastWriteTimeUtc(files[0]));
        var bigger = FashionMnist.Export(outDir, "test", limit: 30);
        Assert.Equal((30, false), (bigger.Images, bigger.Skipped));
        Assert.Equal(30, Directory.GetFiles(bigger.Directory, "*", SearchOption.AllDirectories).Length);
        Assert.False(Directory.Exists(bigger.Directory + ".partial"));
    }

    [Fact]
    public void The_export_maps_back_to_Fashion_MNIST_labels_by_class_name_and_by_class_map()
    {
        var test = FashionMnist.Read("test");
        var outDir = Directory.CreateTempSubdirectory("effnet-fmnist").FullName;
        var export = FashionMnist.Export(outDir, "test", limit: 50);

        var byName = DatasetIndex.Open(export.Directory, FashionMnist.Classes.Count, FashionMnist.Classes);
        Assert.Equal(LabelMapping.ClassNames, byName.Mapping);
        var byMap = DatasetIndex.Open(export.Directory, classMap: Path.Combine(outDir, "classes.txt"));
        Assert.Equal(LabelMapping.ClassMap, byMap.Mapping);
        foreach (var index in new[] { byName, byMap })
        {
            Assert.Equal(50, index.Samples.Count);
            Assert.All(index.Samples, s => Assert.Equal(test.Labels[int.Parse(Path.GetFileNameWithoutExtension(s.Path))], s.Label));
        }
        // Without names the folders sort alphabetically, which is not Fashion-MNIST's label order.
        Assert.Equal("Ankle_boot", DatasetIndex.Open(export.Directory).Classes[0]);
    }

    [Fact]
    public void Export_will_not_replace_a_folder_that_is_not_an_export()
    {
        var outDir = Directory.CreateTempSubdirectory("effnet-fmnist").FullName;
        var mine = Path.Combine(Directory.CreateDirectory(Path.Combine(outDir, "test")).FullName, "thesis.txt");
        File.WriteAllText(mine, "precious");
        Assert.Contains("not a Fashion-MNIST export", Assert.Throws<IOException>(() => FashionMnist.Export(outDir, "test", limit: 5)).Message);
        Assert.True(File.Exists(mine));
    }
}
