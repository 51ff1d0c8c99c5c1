namespace EfficientNetLab.Weights;

/// <summary>Data files shipped inside the assembly (Weights/Data/*), so the kit needs no install-time assets.</summary>
internal static class EmbeddedData
{
    public static Stream Open(string fileName) =>
        typeof(EmbeddedData).Assembly.GetManifestResourceStream("EfficientNetLab." + fileName)
        ?? throw new FileNotFoundException($"Embedded data file '{fileName}' is missing from the EfficientNetLab assembly.");
}
