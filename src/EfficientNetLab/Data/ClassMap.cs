namespace EfficientNetLab.Data;

/// <summary>
/// timm's <c>--class-map</c> text file (<c>timm.data.load_class_map</c>): one class folder name per line, its
/// label = its line number, counted from 0.
/// </summary>
public static class ClassMap
{
    /// <summary>
    /// Reads a class map; like timm, a path that does not exist is tried again relative to the dataset root.
    /// Returns the names in label order; as in timm, a blank line keeps its number and a final newline adds no class.
    /// </summary>
    public static IReadOnlyList<string> Load(string path, string root)
    {
        var found = File.Exists(path) ? path : Path.Combine(root, path);
        if (!File.Exists(found)) throw new FileNotFoundException($"{path}: class map not found (also looked in {root}).", path);
        if (!Path.GetExtension(found).Equals(".txt", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: only .txt class maps (one class per line) are supported; timm's .pkl form is a pickle.");
        var names = File.ReadAllLines(found).Select(line => line.Trim()).ToList();
        if (names.All(n => n.Length == 0)) throw new InvalidDataException($"{path}: the class map is empty.");
        return names;
    }
}
