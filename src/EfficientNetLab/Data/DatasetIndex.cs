using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Data;

/// <summary>How the images on disk are labelled.</summary>
public enum DatasetLayout
{
    /// <summary>torchvision's ImageFolder: <c>root/&lt;class&gt;/…/&lt;image&gt;</c>.</summary>
    ClassFolders,
    /// <summary>ImageNet validation images in one folder, labelled by Kaggle's <c>LOC_val_solution.csv</c>.</summary>
    LocValSolution,
}

/// <summary>How folder names (or the CSV's wnids) became label indices.</summary>
public enum LabelMapping
{
    /// <summary>Position in the sorted list, as torchvision's ImageFolder numbers them.</summary>
    SortedFolders,
    /// <summary>ImageNet wnid → its index among the 1000 ImageNet-1k classes.</summary>
    Wnids,
    /// <summary>Folder name → the model class of that name.</summary>
    ClassNames,
    /// <summary>timm's class map file: folder name → line number.</summary>
    ClassMap,
}

/// <summary>An image that failed to decode.</summary>
public sealed record UnreadableImage(string Path, string Reason);

/// <summary>
/// A labelled dataset on disk: the samples in a deterministic order, labelled in the model's class order.
/// <see cref="Classes"/> names every label: the model's class names when folders were mapped onto them, else
/// the folder names.
/// </summary>
public sealed record DatasetIndex(
    string Root,
    DatasetLayout Layout,
    LabelMapping Mapping,
    IReadOnlyList<string> Classes,
    IReadOnlyList<Sample> Samples,
    IReadOnlyList<string> Warnings)
{
    private static readonly Lazy<Dictionary<string, int>> ImageNetIndex =
        new(() => ImageNetClasses.Wnids.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i));

    /// <summary>
    /// Indexes <paramref name="root"/>: a flat folder of images with a <c>LOC_val_solution.csv</c> beside or
    /// above it, else class folders. Labels come from, in this order: the class map file if given; the model's
    /// <paramref name="classNames"/> when every folder names one of them (exactly, or ignoring case with '_',
    /// ' ' and '/' alike); ImageNet indices when every folder is an ImageNet wnid and the model has 1000 classes
    /// (or none are given); else sorted folder order, as torchvision's ImageFolder.
    /// </summary>
    public static DatasetIndex Open(string root, IReadOnlyList<string>? classNames = null, string? classMap = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: folder not found.");
        var flatImages = ImageFolder.ImagesIn(root).Count;
        var csv = flatImages > 0 ? LocValSolution.Find(root) : null;
        var found = csv is not null ? LocValSolution.Scan(root, csv) : ImageFolder.Scan(root);
        var warnings = found.Warnings.ToList();
        if (found.Samples.Count == 0)
            throw new InvalidDataException(
                csv is not null ? $"{root}: none of its {flatImages} image(s) has a row in {csv}."
                : found.Classes.Count > 0 ? $"{root}: no images ({string.Join(' ', ImageFolder.Extensions)}) in its {found.Classes.Count} class folder(s)."
                : flatImages > 0 ? $"{root}: {flatImages} image(s) but no class folders and no {LocValSolution.FileName} here or above to label them."
                : $"{root}: no class folders (expected root/<class>/<image>) and no images.");
        if (csv is null && flatImages > 0)
            warnings.Add($"{flatImages} image(s) directly in {root} are in no class folder and are left out, as torchvision does.");

        var (mapping, classes, labels) = MapLabels(found.Classes, classNames, classMap, root, warnings);
        return found with
        {
            Mapping = mapping,
            Classes = classes,
            Samples = found.Samples.Select(s => s with { Label = labels[s.Label] }).ToList(),
            Warnings = warnings,
        };
    }

    /// <summary>Decodes every sample as evaluation would, in parallel; returns the failures in sample order.</summary>
    public IReadOnlyList<UnreadableImage> FindUnreadable(DecoderKind decoder = DecoderKind.Skia, CancellationToken ct = default)
    {
        var failures = new UnreadableImage?[Samples.Count];
        Parallel.For(0, Samples.Count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var path = Samples[i].Path;
            try
            {
                ImageDecoder.Decode(path, decoder);
            }
            catch (ImageDecodeException e)
            {
                failures[i] = new UnreadableImage(path, e.Reason);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SixLabors.ImageSharp.ImageFormatException)
            {
                failures[i] = new UnreadableImage(path, e.Message);
            }
        });
        return failures.OfType<UnreadableImage>().ToList();
    }

    private static (LabelMapping, IReadOnlyList<string>, int[]) MapLabels(IReadOnlyList<string> folders,
        IReadOnlyList<string>? classNames, string? classMap, string root, List<string> warnings)
    {
        if (classMap is not null)
        {
            var names = ClassMap.Load(classMap, root);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++) index[names[i]] = i; // a repeated name keeps its last line, as in timm
            var labels = folders.Select(f => index.TryGetValue(f, out var i) ? i
                : throw new InvalidDataException($"{classMap}: no line for the class folder '{f}'.")).ToArray();
            if (classNames is not null && classNames.Count != names.Count)
                warnings.Add($"the class map has {names.Count} classes but the model {classNames.Count}.");
            return (LabelMapping.ClassMap, names, labels);
        }
        if (classNames is not null && MatchNames(folders, classNames, warnings) is { } byName)
            return (LabelMapping.ClassNames, classNames, byName);
        if ((classNames is null || classNames.Count == ImageNetClasses.Wnids.Count) && folders.All(ImageNetIndex.Value.ContainsKey))
            return (LabelMapping.Wnids, classNames ?? ImageNetClasses.Names, folders.Select(f => ImageNetIndex.Value[f]).ToArray());
        if (classNames is not null && classNames.Count != folders.Count)
            warnings.Add($"{folders.Count} class folders but the model has {classNames.Count} classes, and the folder names are not " +
                         "its class names; labels follow the sorted folder order.");
        return (LabelMapping.SortedFolders, folders, Enumerable.Range(0, folders.Count).ToArray());
    }

    /// <summary>Folder → class by name; null unless every folder matches. An ambiguous name takes the first class.</summary>
    private static int[]? MatchNames(IReadOnlyList<string> folders, IReadOnlyList<string> classNames, List<string> warnings)
    {
        // '/' cannot occur in a folder name, so a class like "T-shirt/top" is stored as "T-shirt_top".
        static string Loose(string s) => s.ToLowerInvariant().Replace('_', ' ').Replace('/', ' ');
        var loose = classNames.Select(Loose).ToArray();
        var labels = new int[folders.Count];
        var ambiguous = new List<string>();
        for (int f = 0; f < folders.Count; f++)
        {
            var matches = Enumerable.Range(0, classNames.Count).Where(i => classNames[i] == folders[f]).ToList();
            if (matches.Count == 0)
            {
                var key = Loose(folders[f]);
                matches = Enumerable.Range(0, loose.Length).Where(i => loose[i] == key).ToList();
            }
            if (matches.Count == 0) return null;
            if (matches.Count > 1)
                ambiguous.Add($"class folder '{folders[f]}' matches classes {string.Join(", ", matches)}; using {matches[0]}.");
            labels[f] = matches[0];
        }
        warnings.AddRange(ambiguous);
        return labels;
    }
}
