namespace EfficientNetLab.Evaluation;

/// <summary>
/// The model's verdict on one image, as recorded in predictions.csv. Probabilities are kept at the precision
/// written to the CSV so that a resumed run and an uninterrupted one compute identical metrics.
/// </summary>
public sealed record Prediction(int Index, string Path, int Label, int[] TopIndices, double[] TopProbabilities)
{
    public int Predicted => TopIndices[0];
    public bool Correct1 => TopIndices[0] == Label;
    public bool Correct5 => Array.IndexOf(TopIndices, Label, 0, Math.Min(5, TopIndices.Length)) >= 0;
    public double Confidence => TopProbabilities[0];

    /// <summary>Digits kept for probabilities in the CSV (and so in every metric).</summary>
    public const int ProbabilityDigits = 6;

    public static double Round(double p) => Math.Round(p, ProbabilityDigits);
}
