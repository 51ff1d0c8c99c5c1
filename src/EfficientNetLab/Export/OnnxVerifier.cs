using EfficientNetLab.Models;
using static TorchSharp.torch;

namespace EfficientNetLab.Export;

/// <summary>How far an exported graph's logits are from the TorchSharp model's on the same random batch.</summary>
public sealed record OnnxVerification(int Batch, int Height, int Width, double MaxAbsDiff, double MaxRelativeDiff)
{
    /// <summary>The kit's parity bar with torchvision, applied to the export too.</summary>
    public const double Tolerance = 1e-4;

    public bool Passed => MaxAbsDiff <= Tolerance && MaxRelativeDiff <= Tolerance;
}

public static class OnnxVerifier
{
    /// <summary>
    /// Runs both on standard-normal inputs (batch 2 where the graph allows it, so batching is exercised).
    /// The relative difference is taken against the largest TorchSharp logit, as in the parity tests.
    /// </summary>
    public static OnnxVerification Verify(EfficientNet model, OnnxRuntimeModel onnx, int imageSize, long seed = 0)
    {
        int batch = onnx.FixedBatch ?? 2;
        int height = onnx.FixedHeight ?? imageSize;
        int width = onnx.FixedWidth ?? imageSize;
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var x = randn([batch, 3, height, width], generator: generator);
        var actual = onnx.Run(x.data<float>().ToArray(), batch, height, width);
        Tensor expected;
        using (no_grad()) expected = model.forward(x);
        var reference = expected.data<float>().ToArray();
        double maxAbs = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(actual[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return new OnnxVerification(batch, height, width, maxAbs, scale == 0 ? maxAbs : maxAbs / scale);
    }
}
