namespace EfficientNetLab.Models;

/// <summary>
/// The two families of torchvision's <c>efficientnet.py</c>: one stage table each (V2 has one per size, as
/// upstream), plus per-variant scaling. Numbers are torchvision's; BatchNorm eps matters for accuracy
/// (1e-5 for B0–B4, 1e-3 with momentum 0.01 for B5–B7, 1e-3 for V2).
/// </summary>
public static class EfficientNetVariants
{
    // expand, kernel, stride, in, out, layers — the B0 baseline, scaled by width/depth for B1–B7.
    static readonly BlockConfig[] V1Base =
    [
        BlockConfig.MB(1, 3, 1, 32, 16, 1),
        BlockConfig.MB(6, 3, 2, 16, 24, 2),
        BlockConfig.MB(6, 5, 2, 24, 40, 2),
        BlockConfig.MB(6, 3, 2, 40, 80, 3),
        BlockConfig.MB(6, 5, 1, 80, 112, 3),
        BlockConfig.MB(6, 5, 2, 112, 192, 4),
        BlockConfig.MB(6, 3, 1, 192, 320, 1),
    ];

    static readonly BlockConfig[] V2S =
    [
        BlockConfig.Fused(1, 3, 1, 24, 24, 2),
        BlockConfig.Fused(4, 3, 2, 24, 48, 4),
        BlockConfig.Fused(4, 3, 2, 48, 64, 4),
        BlockConfig.MB(4, 3, 2, 64, 128, 6),
        BlockConfig.MB(6, 3, 1, 128, 160, 9),
        BlockConfig.MB(6, 3, 2, 160, 256, 15),
    ];

    static readonly BlockConfig[] V2M =
    [
        BlockConfig.Fused(1, 3, 1, 24, 24, 3),
        BlockConfig.Fused(4, 3, 2, 24, 48, 5),
        BlockConfig.Fused(4, 3, 2, 48, 80, 5),
        BlockConfig.MB(4, 3, 2, 80, 160, 7),
        BlockConfig.MB(6, 3, 1, 160, 176, 14),
        BlockConfig.MB(6, 3, 2, 176, 304, 18),
        BlockConfig.MB(6, 3, 1, 304, 512, 5),
    ];

    static readonly BlockConfig[] V2L =
    [
        BlockConfig.Fused(1, 3, 1, 32, 32, 4),
        BlockConfig.Fused(4, 3, 2, 32, 64, 7),
        BlockConfig.Fused(4, 3, 2, 64, 96, 7),
        BlockConfig.MB(4, 3, 2, 96, 192, 10),
        BlockConfig.MB(6, 3, 1, 192, 224, 19),
        BlockConfig.MB(6, 3, 2, 224, 384, 25),
        BlockConfig.MB(6, 3, 1, 384, 640, 7),
    ];

    static EfficientNetVariant V1(string name, double width, double depth, double dropout, bool largeEps = false) =>
        new(name, V1Base.Select(s => s.Scaled(width, depth)).ToArray(), dropout,
            BatchNormEps: largeEps ? 1e-3 : 1e-5, BatchNormMomentum: largeEps ? 0.01 : 0.1, LastChannel: null);

    static EfficientNetVariant V2(string name, BlockConfig[] stages, double dropout) =>
        new(name, stages, dropout, BatchNormEps: 1e-3, BatchNormMomentum: 0.1, LastChannel: 1280);

    public static IReadOnlyList<EfficientNetVariant> All { get; } =
    [
        V1("b0", 1.0, 1.0, 0.2),
        V1("b1", 1.0, 1.1, 0.2),
        V1("b2", 1.1, 1.2, 0.3),
        V1("b3", 1.2, 1.4, 0.3),
        V1("b4", 1.4, 1.8, 0.4),
        V1("b5", 1.6, 2.2, 0.4, largeEps: true),
        V1("b6", 1.8, 2.6, 0.5, largeEps: true),
        V1("b7", 2.0, 3.1, 0.5, largeEps: true),
        V2("v2_s", V2S, 0.2),
        V2("v2_m", V2M, 0.3),
        V2("v2_l", V2L, 0.4),
    ];

    /// <summary>
    /// Finds a variant by any name people use: <c>b0</c>, <c>efficientnet_b0</c>, <c>v2-s</c>, <c>efficientnet_v2_s</c>.
    /// </summary>
    public static EfficientNetVariant Get(string name)
    {
        var key = Normalize(name);
        return All.FirstOrDefault(v => v.Name == key) ?? throw new ArgumentException(
            $"Unknown EfficientNet variant '{name}'. Known: {string.Join(", ", All.Select(v => v.Name))}.", nameof(name));
    }

    public static bool TryGet(string name, out EfficientNetVariant variant)
    {
        var key = Normalize(name);
        variant = All.FirstOrDefault(v => v.Name == key)!;
        return variant is not null;
    }

    static string Normalize(string name)
    {
        var n = name.Trim().ToLowerInvariant().Replace('-', '_');
        if (n.StartsWith("efficientnet_", StringComparison.Ordinal)) n = n["efficientnet_".Length..];
        if (n.StartsWith("efficientnetv2_", StringComparison.Ordinal)) n = "v2_" + n["efficientnetv2_".Length..];
        if (n is "v2s" or "v2m" or "v2l") n = "v2_" + n[2];
        return n;
    }
}
