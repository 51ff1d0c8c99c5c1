using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EfficientNetLab.Tests.Data;

/// <summary>Small dataset folders in a temporary directory.</summary>
internal sealed class DatasetTree
{
    public string Root { get; } = Directory.CreateTempSubdirectory("effnet-data").FullName;

    public string this[string relative] => Path.Combine(Root, relative);

    /// <summary>
    /// A real 4×3 image. Always PNG bytes: decoders (PIL's and ours) go by content, not by extension, so the
    /// file is a readable image under any of torchvision's extensions.
    /// </summary>
    public string Image(string relative, byte shade = 128)
    {
        var path = File(relative);
        using var image = new Image<Rgb24>(4, 3, new Rgb24(shade, 40, 200));
        image.SaveAsPng(path);
        return path;
    }

    public string Text(string relative, string content = "not an image")
    {
        var path = File(relative);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Bytes(string relative, byte[] content)
    {
        var path = File(relative);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    public string Copy(string source, string relative)
    {
        var path = File(relative);
        System.IO.File.Copy(source, path);
        return path;
    }

    public string Folder(string relative) => Directory.CreateDirectory(this[relative]).FullName;

    /// <summary>A symbolic link at <paramref name="relative"/> pointing to <paramref name="target"/> as written.</summary>
    public void Link(string relative, string target) => Directory.CreateSymbolicLink(File(relative), target);

    private string File(string relative)
    {
        var path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
