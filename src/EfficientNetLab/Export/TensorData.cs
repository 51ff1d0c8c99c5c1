using static TorchSharp.torch;

namespace EfficientNetLab.Export;

/// <summary>A parameter or buffer copied out of TorchSharp into a managed array, whatever its device and dtype.</summary>
internal static class TensorData
{
    public static float[] Float32(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    public static double[] Float64(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }
}
