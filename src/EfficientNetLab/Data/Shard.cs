using System.Globalization;

namespace EfficientNetLab.Data;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (<c>--shard I/N</c>): the I-th of N contiguous blocks of the
/// dataset in its order. Blocks are made of whole batches — the dataset's ⌈n/b⌉ batches of b images are dealt out
/// as [⌊I·B/N⌋, ⌊(I+1)·B/N⌋) — so every image goes through the model in the same batch, beside the same images, as
/// in an unsharded run with the same batch size: convolution kernels pick their algorithms by batch shape, and a
/// different batch moves probabilities in the sixth digit. Contiguous rather than strided (i mod N) because a
/// shard's predictions.csv is then one unbroken stretch of dataset indices: <c>--resume</c> continues after its
/// last image exactly as for a whole run, each shard reads its files in directory order, and the merged
/// predictions are the shards' in shard order. Every machine that indexes the same data with the same N and batch
/// size computes the same split.
/// </summary>
public readonly record struct Shard
{
    public Shard(int index, int count)
    {
        if (count < 1) throw new ArgumentException($"--shard {index}/{count}: the shard count N must be at least 1.");
        if (index < 0 || index >= count)
            throw new ArgumentException($"--shard {index}/{count}: the shard index I runs from 0 to {count - 1} (I/N, counting from 0).");
        Index = index;
        Count = count;
    }

    public int Index { get; }
    public int Count { get; }

    /// <summary>The whole dataset as one shard.</summary>
    public static Shard Whole => new(0, 1);

    /// <summary>Parses <c>I/N</c> (0 ≤ I &lt; N), as <c>--shard</c> takes it.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return new Shard(i, n);
        throw new ArgumentException($"--shard takes I/N (shard I of N, counting from 0, e.g. 0/4), got '{text}'.");
    }

    /// <summary>The dataset positions [Start, End) of this shard of <paramref name="datasetSize"/> images read in batches of <paramref name="batchSize"/>.</summary>
    public (int Start, int End) Range(int datasetSize, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        long batches = (datasetSize + (long)batchSize - 1) / batchSize;
        int count = Count;
        int At(long block) => (int)Math.Min(datasetSize, block * batches / count * batchSize);
        return (At(Index), At(Index + 1));
    }

    public override string ToString() => $"{Index}/{Count}";
}
