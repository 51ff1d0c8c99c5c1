namespace EfficientNetLab.Evaluation;

/// <summary>A binomial proportion with its 95% Wilson score interval.</summary>
public readonly record struct Proportion(long Successes, long Trials)
{
    public double Value => Trials == 0 ? 0 : (double)Successes / Trials;

    /// <summary>Wilson's interval: unlike the normal approximation it stays inside [0, 1] and works at 0 or 100%.</summary>
    public (double Low, double High) Wilson95
    {
        get
        {
            if (Trials == 0) return (0, 1);
            const double z = 1.959963984540054;
            double n = Trials, p = Value, z2 = z * z;
            double center = (p + z2 / (2 * n)) / (1 + z2 / n);
            double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
            return (Math.Max(0, center - half), Math.Min(1, center + half));
        }
    }
}

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(int Index, string Name, long Support, long Predicted, long Correct)
{
    public double Accuracy => Support == 0 ? 0 : (double)Correct / Support; // = recall, as torchvision/timm call per-class accuracy
    public double Precision => Predicted == 0 ? 0 : (double)Correct / Predicted;
    public double Recall => Accuracy;
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}

/// <summary>One bin of a reliability diagram.</summary>
public sealed record ReliabilityBin(double Low, double High, long Count, double MeanConfidence, double Accuracy);

/// <summary>
/// Everything an accuracy report needs, accumulated one prediction at a time in O(classes + confused pairs)
/// memory: the confusion matrix is sparse (a 1000-class dense one would be 8 MB and mostly zeros).
/// </summary>
public sealed class MetricsAccumulator(int numClasses, int calibrationBins = 15)
{
    private readonly long[] support = new long[numClasses];
    private readonly long[] predicted = new long[numClasses];
    private readonly long[] correct = new long[numClasses];
    private readonly Dictionary<(int Actual, int Predicted), long> confusion = new();
    private readonly long[] binCount = new long[calibrationBins];
    private readonly double[] binConfidence = new double[calibrationBins];
    private readonly long[] binCorrect = new long[calibrationBins];

    public long Images { get; private set; }
    public long Top1Correct { get; private set; }
    public long Top5Correct { get; private set; }
    public int NumClasses => numClasses;

    public Proportion Top1 => new(Top1Correct, Images);
    public Proportion Top5 => new(Top5Correct, Images);

    public void Add(Prediction p)
    {
        Images++;
        if (p.Correct1) Top1Correct++;
        if (p.Correct5) Top5Correct++;
        if (p.Label >= 0 && p.Label < numClasses) support[p.Label]++;
        predicted[p.Predicted]++;
        if (p.Correct1) correct[p.Label]++;
        else confusion[(p.Label, p.Predicted)] = confusion.GetValueOrDefault((p.Label, p.Predicted)) + 1;
        int bin = Math.Min(calibrationBins - 1, (int)(p.Confidence * calibrationBins));
        binCount[bin]++;
        binConfidence[bin] += p.Confidence;
        if (p.Correct1) binCorrect[bin]++;
    }

    public IReadOnlyList<ClassMetrics> PerClass(IReadOnlyList<string> names) =>
        Enumerable.Range(0, numClasses).Select(i => new ClassMetrics(i, names[i], support[i], predicted[i], correct[i])).ToArray();

    /// <summary>Off-diagonal confusion counts, largest first.</summary>
    public IEnumerable<(int Actual, int Predicted, long Count)> Confusions() =>
        confusion.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Actual).ThenBy(kv => kv.Key.Predicted)
            .Select(kv => (kv.Key.Actual, kv.Key.Predicted, kv.Value));

    public long Confusion(int actual, int predictedClass) =>
        actual == predictedClass ? correct[actual] : confusion.GetValueOrDefault((actual, predictedClass));

    public IReadOnlyList<ReliabilityBin> Reliability() => Enumerable.Range(0, calibrationBins).Select(b => new ReliabilityBin(
        (double)b / calibrationBins, (double)(b + 1) / calibrationBins, binCount[b],
        binCount[b] == 0 ? 0 : binConfidence[b] / binCount[b],
        binCount[b] == 0 ? 0 : (double)binCorrect[b] / binCount[b])).ToArray();

    /// <summary>Expected calibration error: the bin-weighted gap between confidence and accuracy.</summary>
    public double ExpectedCalibrationError =>
        Images == 0 ? 0 : Reliability().Sum(b => (double)b.Count / Images * Math.Abs(b.MeanConfidence - b.Accuracy));
}
