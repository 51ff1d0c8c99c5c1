namespace EfficientNetLab.Data;

/// <summary>What <see cref="ImageFolder.List"/> found: the image paths, and whether they came from class folders.</summary>
public sealed record ImageListing(string Root, IReadOnlyList<string> Paths, bool ClassFolders, IReadOnlyList<string> Warnings);

/// <summary>
/// torchvision's <c>ImageFolder</c> discovery: every immediate subfolder of the root is a class, classes in
/// sorted order, images found recursively inside each class folder — so that the classes, labels and sample
/// order equal <c>ImageFolder(root).classes</c> and <c>.samples</c>.
/// </summary>
public static class ImageFolder
{
    /// <summary>torchvision's IMG_EXTENSIONS, matched case-insensitively at the end of the file name.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>Python's os.scandir and os.walk list dot files; .NET's default options would skip them.</summary>
    internal static readonly EnumerationOptions AllEntries = new() { AttributesToSkip = 0 };

    public static bool IsImageFile(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Image files directly in a folder (not in subfolders), sorted.</summary>
    internal static List<string> ImagesIn(string dir) =>
        Directory.EnumerateFiles(dir, "*", AllEntries).Where(IsImageFile).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The images of a folder, for commands that take images rather than a labelled dataset (<c>predict</c>,
    /// <c>bench --preprocess</c>, <c>#!classify</c>). A folder whose subfolders hold images is an ImageFolder: every
    /// sample, in torchvision's order (images lying beside the class folders are left out with a warning, as
    /// <c>eval</c> leaves them out). Any other folder is flat: the images directly in it, sorted.
    /// </summary>
    public static ImageListing List(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: folder not found.");
        var flat = ImagesIn(dir);
        var tree = Scan(dir);
        if (tree.Samples.Count == 0)
            return flat.Count > 0 ? new ImageListing(dir, flat, ClassFolders: false, [])
                : throw new InvalidDataException($"{dir}: no images ({string.Join(' ', Extensions)}) in it or in class folders below it.");
        return new ImageListing(dir, tree.Samples.Select(s => s.Path).ToList(), ClassFolders: true,
            flat.Count > 0 ? [LooseImagesWarning(dir, flat.Count)] : []);
    }

    internal static string LooseImagesWarning(string dir, int count) =>
        $"{count} image(s) directly in {dir} are in no class folder and are left out, as torchvision does.";

    /// <summary>
    /// Classes and samples labelled by sorted class order (<see cref="LabelMapping.SortedFolders"/>). Where
    /// torchvision raises on a class folder without images, this keeps the class (labels stay put) and warns.
    /// </summary>
    public static DatasetIndex Scan(string root)
    {
        // Ordinal order is Python's str order except for characters outside the BMP.
        var classes = Directory.EnumerateDirectories(root, "*", AllEntries).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();
        var samples = new List<Sample>();
        var warnings = new List<string>();
        for (int label = 0; label < classes.Count; label++)
        {
            int before = samples.Count;
            var classDir = Path.Combine(root, classes[label]);
            var dirs = new List<string>();
            Walk(classDir, Resolve(Path.GetFullPath(classDir)), [], dirs, warnings);
            // torchvision sorts os.walk's (root, dirs, files) tuples, i.e. by the folder's whole path: "a b/" comes
            // before "a/x/" because ' ' sorts before '/'.
            foreach (var dir in dirs.Order(StringComparer.Ordinal))
                samples.AddRange(ImagesIn(dir).Select(path => new Sample(path, label)));
            if (samples.Count == before) warnings.Add($"class folder '{classes[label]}' has no images; its label {label} is kept.");
        }
        return new DatasetIndex(root, DatasetLayout.ClassFolders, LabelMapping.SortedFolders, classes, samples, warnings);
    }

    /// <summary>
    /// os.walk with followlinks=True, which is what torchvision uses, except that a symlink back to a folder being
    /// walked is skipped: Python descends into such a loop until the OS refuses the path.
    /// </summary>
    private static void Walk(string dir, string real, HashSet<string> ancestors, List<string> dirs, List<string> warnings)
    {
        if (!ancestors.Add(real))
        {
            warnings.Add($"{dir}: a symlink back to {real}, not followed.");
            return;
        }
        dirs.Add(dir);
        foreach (var sub in Directory.EnumerateDirectories(dir, "*", AllEntries))
            Walk(sub, Resolve(Path.Combine(real, Path.GetFileName(sub))), ancestors, dirs, warnings);
        ancestors.Remove(real);
    }

    /// <summary>Where a folder really is when its parent is: a link's final target, resolved against that parent.</summary>
    private static string Resolve(string path)
    {
        var info = new DirectoryInfo(path);
        return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
    }
}
