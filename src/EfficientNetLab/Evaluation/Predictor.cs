using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>One class of a prediction.</summary>
public sealed record ClassScore(int Index, string Label, double Probability);

/// <summary>Classifies images with a loaded model, where it is placed, and its weights' eval preset.</summary>
public sealed class Predictor(LoadedModel loaded, EvalPreset? preset = null, DecoderKind decoder = DecoderKind.Skia,
    InferenceBackend backend = InferenceBackend.Auto, Action<string>? log = null) : IDisposable
{
    private readonly Preprocessor preprocessor = new(preset ?? loaded.Preset, decoder);
    // One image per call: Auto probes (once per machine) at batch 1.
    private readonly BackendForward forward = new(loaded, backend, (preset ?? loaded.Preset).CropSize, batchSize: 1, log);

    public void Dispose() => forward.Dispose();

    /// <summary>The backend classifying, and why it was picked.</summary>
    public BackendChoice Backend => forward.Choice;

    public EvalPreset Preset => preprocessor.Preset;

    public IReadOnlyList<ClassScore> Classify(string imagePath, int topk = 5) => Classify(preprocessor.Process(imagePath), topk);

    /// <summary>Classifies an image decoded already, e.g. one that is also shown.</summary>
    public IReadOnlyList<ClassScore> Classify(RgbImage image, int topk = 5) => Classify(preprocessor.Process(image), topk);

    private IReadOnlyList<ClassScore> Classify(float[] chw, int topk)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = loaded.Placement.Input(tensor(chw, [1, 3, Preset.CropSize, Preset.CropSize]));
        var probabilities = forward.Forward(input).to(ScalarType.Float32).softmax(1)[0].cpu();
        var (values, indices) = probabilities.topk(Math.Min(topk, loaded.Model.NumClasses));
        var p = values.data<float>().ToArray();
        var idx = indices.data<long>().ToArray();
        return idx.Select((c, i) => new ClassScore((int)c, loaded.ClassNames[(int)c], p[i])).ToArray();
    }
}
