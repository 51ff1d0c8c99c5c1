using System.Text.RegularExpressions;

namespace EfficientNetLab.Data;

/// <summary>
/// ImageNet's validation images in one flat folder, labelled by Kaggle's <c>LOC_val_solution.csv</c>
/// (<c>ImageId,PredictionString</c>; the label is the first wnid of the prediction string, the rest are boxes).
/// </summary>
public static partial class LocValSolution
{
    public const string FileName = "LOC_val_solution.csv";

    /// <summary>
    /// The CSV in the image folder or up to four folders above it: Kaggle's download keeps it at the top and the
    /// images in <c>ILSVRC/Data/CLS-LOC/val</c>.
    /// </summary>
    public static string? Find(string imageDir)
    {
        var dir = new DirectoryInfo(imageDir);
        for (int up = 0; up <= 4 && dir is not null; up++, dir = dir.Parent)
        {
            var csv = Path.Combine(dir.FullName, FileName);
            if (File.Exists(csv)) return csv;
        }
        return null;
    }

    /// <summary>
    /// Samples sorted by file name, labelled by the sorted list of wnids that occur (the caller maps those onto
    /// a model's classes). An image is matched to its row by file name without extension, so re-encoded copies
    /// (<c>.png</c>) work too.
    /// </summary>
    public static DatasetIndex Scan(string imageDir, string csv)
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in ImageFolder.ImagesIn(imageDir)) images.TryAdd(Path.GetFileNameWithoutExtension(path), path);

        var labelled = new List<(string Path, string Wnid)>();
        var missing = new List<string>();
        foreach (var (id, wnid) in ReadRows(csv))
        {
            if (images.Remove(id, out var path)) labelled.Add((path, wnid));
            else missing.Add(id);
        }

        var warnings = new List<string>();
        if (missing.Count > 0)
            warnings.Add($"{missing.Count} row(s) of {csv} have no image in {imageDir}: {FirstFew(missing)}.");
        if (images.Count > 0)
            warnings.Add($"{images.Count} image(s) in {imageDir} have no row in {csv} and are left out: {FirstFew(images.Keys.Order(StringComparer.Ordinal))}.");

        var wnids = labelled.Select(r => r.Wnid).Distinct().Order(StringComparer.Ordinal).ToList();
        var label = wnids.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        var samples = labelled.OrderBy(r => r.Path, StringComparer.Ordinal).Select(r => new Sample(r.Path, label[r.Wnid])).ToList();
        return new DatasetIndex(imageDir, DatasetLayout.LocValSolution, LabelMapping.SortedFolders, wnids, samples, warnings);
    }

    private static IEnumerable<(string Id, string Wnid)> ReadRows(string csv)
    {
        using var reader = new StreamReader(csv);
        var header = reader.ReadLine();
        if (header?.Trim() != "ImageId,PredictionString")
            throw new InvalidDataException($"{csv}: not a {FileName} (the first line should be 'ImageId,PredictionString', it is '{header}').");
        int number = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Trim().Length == 0) continue;
            var parts = line.Split(',', 2);
            var wnid = parts.Length == 2 ? parts[1].TrimStart().Split(' ', 2)[0] : "";
            if (!WnidRegex().IsMatch(wnid))
                throw new InvalidDataException($"{csv}:{number}: expected 'ImageId,<wnid> <box>…', found '{line}'.");
            yield return (parts[0].Trim(), wnid);
        }
    }

    private static string FirstFew(IEnumerable<string> names)
    {
        var list = names.Take(6).ToList();
        return string.Join(", ", list.Take(5)) + (list.Count > 5 ? ", …" : "");
    }

    [GeneratedRegex(@"^n\d{8}$")]
    private static partial Regex WnidRegex();
}
