using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>One class of a prediction.</summary>
public sealed record ClassScore(int Index, string Label, double Probability);

/// <summary>Classifies images with a loaded model, where it is placed, and its weights' eval preset.</summary>
public sealed class Predictor(LoadedModel loaded, EvalPreset? preset = null, DecoderKind decoder = DecoderKind.Skia,
    InferenceBackend backend = InferenceBackend.LibTorch) : IDisposable
{
    private readonly Preprocessor preprocessor = new(preset ?? loaded.Preset, decoder);
    private readonly BackendForward forward = new(loaded, backend, (preset ?? loaded.Preset).CropSize);

    public void Dispose() => forward.Dispose();

    public EvalPreset Preset => preprocessor.Preset;

    public IReadOnlyList<ClassScore> Classify(string imagePath, int topk = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = loaded.Placement.Input(preprocessor.ToTensor(imagePath));
        var probabilities = forward.Forward(input).to(ScalarType.Float32).softmax(1)[0].cpu();
        var (values, indices) = probabilities.topk(Math.Min(topk, loaded.Model.NumClasses));
        var p = values.data<float>().ToArray();
        var idx = indices.data<long>().ToArray();
        return idx.Select((c, i) => new ClassScore((int)c, loaded.ClassNames[(int)c], p[i])).ToArray();
    }
}
