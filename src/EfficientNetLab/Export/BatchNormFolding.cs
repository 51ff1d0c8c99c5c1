using TorchSharp.Modules;

namespace EfficientNetLab.Export;

/// <summary>
/// Folds an eval-mode BatchNorm into the convolution before it: W' = W·γ/√(σ²+ε), b' = β + (b − μ)·γ/√(σ²+ε).
/// Computed in float64 and rounded to float32 once, so each folded weight carries a single rounding error —
/// no more than PyTorch's separate float32 conv and BatchNorm accumulate.
/// </summary>
internal static class BatchNormFolding
{
    public static (float[] Weight, float[] Bias) Fold(Conv2d conv, BatchNorm2d norm)
    {
        if (norm.running_mean is null || norm.running_var is null)
            throw new NotSupportedException("BatchNorm without running statistics cannot be folded into its convolution.");
        var weight = TensorData.Float64(conv.weight);
        int outChannels = (int)conv.weight.shape[0];
        var convBias = conv.bias is null ? new double[outChannels] : TensorData.Float64(conv.bias);
        var gamma = TensorData.Float64(norm.weight);
        var beta = TensorData.Float64(norm.bias!);
        var mean = TensorData.Float64(norm.running_mean);
        var variance = TensorData.Float64(norm.running_var);

        int perChannel = weight.Length / outChannels;
        var foldedWeight = new float[weight.Length];
        var foldedBias = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + norm.eps);
            for (int i = o * perChannel; i < (o + 1) * perChannel; i++) foldedWeight[i] = (float)(weight[i] * scale);
            foldedBias[o] = (float)(beta[o] + (convBias[o] - mean[o]) * scale);
        }
        return (foldedWeight, foldedBias);
    }
}
