namespace EfficientNetLab.Weights;

/// <summary>The 1000 ImageNet-1k classes in the index order every torchvision/timm ImageNet model uses.</summary>
public static class ImageNetClasses
{
    private static readonly Lazy<(string[] Names, string[] Wnids)> data = new(Load);

    /// <summary>torchvision's category names (<c>weights.meta["categories"]</c>).</summary>
    public static IReadOnlyList<string> Names => data.Value.Names;

    /// <summary>WordNet ids (<c>n01440764</c> …), the folder names of ImageNet's train/val layouts.</summary>
    public static IReadOnlyList<string> Wnids => data.Value.Wnids;

    private static (string[], string[]) Load()
    {
        using var reader = new StreamReader(EmbeddedData.Open("imagenet1k-classes.tsv"));
        reader.ReadLine(); // header
        var names = new string[1000];
        var wnids = new string[1000];
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            var parts = line.Split('\t');
            int i = int.Parse(parts[0]);
            wnids[i] = parts[1];
            names[i] = parts[2];
        }
        return (names, wnids);
    }
}
