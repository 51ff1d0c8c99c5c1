using System.Text.Json;
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

/// <summary>
/// How folder names (or the CSV's wnids) became label indices. <see cref="DatasetIndex.Open(string, int, IReadOnlyList{string}?, string?)"/>
/// tries the rules in the order listed here and takes the first that fits every folder; when the checkpoint
/// names its classes and none fits, it stops and asks for <c>--class-map</c> instead of guessing.
/// </summary>
public enum LabelMapping
{
    /// <summary>
    /// timm's <c>--class-map</c> file: folder name → its line number. Always wins when given; a folder without a
    /// line is an error.
    /// </summary>
    ClassMap,
    /// <summary>
    /// Folder name → the model class of that name (exactly, else ignoring case with '_', ' ' and '/' alike), when
    /// the checkpoint names its classes and every folder names one of them; folders may cover a subset.
    /// </summary>
    ClassNames,
    /// <summary>
    /// Folders named by integers (<c>0</c> … <c>N-1</c>, leading zeros allowed) → those class indices, as
    /// torchvision's MNIST-style datasets number their labels. N is the model's class count (with no model, the
    /// folder count): every folder's number must be below it.
    /// </summary>
    NumberedFolders,
    /// <summary>
    /// ImageNet wnids (<c>n01440764</c> …, as folders or in <c>LOC_val_solution.csv</c>) → their index among the
    /// 1000 ImageNet-1k classes, for a 1000-class model or none.
    /// </summary>
    Wnids,
    /// <summary>
    /// Position in the sorted folder list, as torchvision's ImageFolder numbers them. Only where nothing says
    /// otherwise: no model (<c>data check</c>, fine-tuning), or a checkpoint that does not name its classes (a
    /// plain state dict, random init) with no more folders than classes.
    /// </summary>
    SortedFolders,
}

/// <summary>
/// How layouts and mappings are spelled wherever they are written (summary.json, <c>data check</c>, eval's printout):
/// the member's name in snake_case, so a member added to either enum needs no spelling of its own.
/// </summary>
public static class DatasetNames
{
    public static string Name(this LabelMapping mapping) => JsonNamingPolicy.SnakeCaseLower.ConvertName(mapping.ToString());

    public static string Name(this DatasetLayout layout) => JsonNamingPolicy.SnakeCaseLower.ConvertName(layout.ToString());
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

    /// <summary>Indexes a dataset with no model to map onto (<c>effnet data check</c>, fine-tuning): see <see cref="LabelMapping"/>.</summary>
    public static DatasetIndex Open(string root, string? classMap = null) => Open(root, null, null, classMap);

    /// <summary>Indexes a dataset for a loaded model: its class count, and its class names where its checkpoint names them.</summary>
    public static DatasetIndex Open(string root, LoadedModel model, string? classMap = null) =>
        Open(root, model.Model.NumClasses, model.ClassNamesKnown ? model.ClassNames : null, classMap);

    /// <summary>
    /// Indexes <paramref name="root"/>: a flat folder of images with a <c>LOC_val_solution.csv</c> beside or
    /// above it, else class folders (torchvision's ImageFolder). Labels follow the first <see cref="LabelMapping"/>
    /// rule that fits, for a model of <paramref name="numClasses"/> classes whose checkpoint names them
    /// <paramref name="classNames"/> (null: it does not).
    /// </summary>
    public static DatasetIndex Open(string root, int numClasses, IReadOnlyList<string>? classNames, string? classMap = null) =>
        Open(root, (int?)numClasses, classNames, classMap);

    private static DatasetIndex Open(string root, int? numClasses, IReadOnlyList<string>? classNames, string? classMap)
    {
        if (classNames is not null && classNames.Count != numClasses)
            throw new ArgumentException($"{classNames.Count} class names for a model of {numClasses} classes.", nameof(classNames));
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
        if (csv is null && flatImages > 0) warnings.Add(ImageFolder.LooseImagesWarning(root, flatImages));

        var what = csv is null ? "class folders" : $"wnids in {csv}";
        var (mapping, classes, labels) = MapLabels(found.Classes, numClasses, classNames, classMap, root, what, warnings);
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

    private static (LabelMapping, IReadOnlyList<string>, int[]) MapLabels(IReadOnlyList<string> folders, int? numClasses,
        IReadOnlyList<string>? classNames, string? classMap, string root, string what, List<string> warnings)
    {
        if (classMap is not null)
        {
            var names = ClassMap.Load(classMap, root);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++) index[names[i]] = i; // a repeated name keeps its last line, as in timm
            var labels = folders.Select(f => index.TryGetValue(f, out var i) ? i
                : throw new InvalidDataException($"{classMap}: no line for the class folder '{f}'.")).ToArray();
            if (numClasses is not null && numClasses != names.Count)
                warnings.Add($"the class map has {names.Count} classes but the model {numClasses}.");
            return (LabelMapping.ClassMap, names, labels);
        }
        if (classNames is not null && MatchNames(folders, classNames, warnings) is { } byName)
            return (LabelMapping.ClassNames, classNames, byName);
        if (Numbered(folders, numClasses ?? folders.Count) is { } numbers)
        {
            var named = classNames ?? Enumerable.Range(0, numClasses ?? folders.Count).Select(i => i.ToString()).ToArray();
            return (LabelMapping.NumberedFolders, named, numbers);
        }
        if ((numClasses is null || numClasses == ImageNetClasses.Wnids.Count) && folders.All(ImageNetIndex.Value.ContainsKey))
            return (LabelMapping.Wnids, classNames ?? ImageNetClasses.Names, folders.Select(f => ImageNetIndex.Value[f]).ToArray());
        if (classNames is not null)
        {
            int matching = folders.Count(f => Matches(f, classNames));
            throw new ClassMappingException(
                $"{root}: {(matching == 0 ? "none" : $"only {matching}")} of its {folders.Count} {what} name one of the checkpoint's " +
                $"{classNames.Count} classes, so which folder is which class is unknown.\n" +
                $"  {what} ({folders.Count}): {Few(folders)}\n  checkpoint classes ({classNames.Count}): {Few(classNames)}\n" +
                "Name the folders after the classes, number them 0…N-1 by class index, or pass --class-map FILE " +
                "(one folder name per line; line k is class k).");
        }
        if (folders.Count > numClasses)
            throw new InvalidDataException(
                $"{root}: {folders.Count} {what} but the model has {numClasses} classes, so sorted folder order would label " +
                $"images past its last class; pass --class-map FILE (one folder name per line; line k is class k).");
        if (folders.Count < numClasses)
            warnings.Add($"{folders.Count} {what} but the model has {numClasses} classes, and its checkpoint names none; " +
                         "labels follow the sorted folder order, as torchvision's ImageFolder.");
        return (LabelMapping.SortedFolders, folders, Enumerable.Range(0, folders.Count).ToArray());
    }

    /// <summary>Each folder's number, when every folder is a distinct integer below <paramref name="count"/>; else null.</summary>
    private static int[]? Numbered(IReadOnlyList<string> folders, int count)
    {
        var numbers = new int[folders.Count];
        for (int i = 0; i < folders.Count; i++)
        {
            if (folders[i].Length is 0 or > 9 || !folders[i].All(char.IsAsciiDigit)) return null;
            numbers[i] = int.Parse(folders[i], System.Globalization.CultureInfo.InvariantCulture);
            if (numbers[i] >= count) return null;
        }
        return numbers.Distinct().Count() == numbers.Length ? numbers : null;
    }

    /// <summary>The first names of a long list, and how many more: the 1000 ImageNet classes would bury the message.</summary>
    private static string Few(IReadOnlyList<string> names, int shown = 12) =>
        string.Join(", ", names.Take(shown)) + (names.Count > shown ? $", … ({names.Count - shown} more)" : "");

    /// <summary>'/' cannot occur in a folder name, so a class like "T-shirt/top" is stored as "T-shirt_top".</summary>
    private static string Loose(string s) => s.ToLowerInvariant().Replace('_', ' ').Replace('/', ' ');

    private static bool Matches(string folder, IReadOnlyList<string> classNames) =>
        classNames.Contains(folder) || classNames.Any(c => Loose(c) == Loose(folder));

    /// <summary>Folder → class by name; null unless every folder matches. An ambiguous name takes the first class.</summary>
    private static int[]? MatchNames(IReadOnlyList<string> folders, IReadOnlyList<string> classNames, List<string> warnings)
    {
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
