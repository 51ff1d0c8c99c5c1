using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EfficientNetLab.Models;

/// <summary>
/// torchvision's <c>EfficientNet</c>: <c>features</c> (stem, stages, head conv) → <c>avgpool</c> →
/// <c>classifier</c> (dropout, linear). Parameter names equal torchvision's state-dict keys.
/// Build one with <see cref="Create(string, int)"/>.
/// </summary>
public sealed class EfficientNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    public EfficientNetVariant Variant { get; }
    public int NumClasses { get; }
    public int FeatureChannels { get; }

    /// <summary>Builds a variant (<c>b0</c>…<c>b7</c>, <c>v2_s</c>, <c>v2_m</c>, <c>v2_l</c>) with torchvision's random init.</summary>
    public static EfficientNet Create(string variant, int numClasses = 1000) =>
        new(EfficientNetVariants.Get(variant), numClasses);

    public EfficientNet(EfficientNetVariant variant, int numClasses = 1000) : base("EfficientNet")
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "num_classes must be at least 1.");
        Variant = variant;
        NumClasses = numClasses;
        var norm = new NormSettings(variant.BatchNormEps, variant.BatchNormMomentum);
        var stages = variant.Stages;

        var layers = new List<Module<Tensor, Tensor>>
        {
            Layers.ConvNormActivation(3, stages[0].InputChannels, 3, norm, stride: 2),
        };

        // Stochastic depth grows linearly with the block's index over the whole network, as in torchvision.
        int totalBlocks = stages.Sum(s => s.NumLayers);
        int blockId = 0;
        foreach (var stage in stages)
        {
            var blocks = new List<Module<Tensor, Tensor>>();
            for (int i = 0; i < stage.NumLayers; i++)
            {
                var cnf = i == 0 ? stage : stage with { InputChannels = stage.OutChannels, Stride = 1 };
                blocks.Add(new EfficientNetBlock(cnf, variant.StochasticDepthProb * blockId / totalBlocks, norm));
                blockId++;
            }
            layers.Add(nn.Sequential(blocks.Select((b, j) => (j.ToString(), b))));
        }

        int lastInput = stages[^1].OutChannels;
        FeatureChannels = variant.LastChannel ?? 4 * lastInput;
        layers.Add(Layers.ConvNormActivation(lastInput, FeatureChannels, 1, norm));

        features = nn.Sequential(layers.Select((l, i) => (i.ToString(), l)));
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(
            ("0", nn.Dropout(variant.Dropout, inplace: true)),
            ("1", nn.Linear(FeatureChannels, numClasses)));
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>torchvision's init, so that "random" weights and fine-tuning start where PyTorch users start.</summary>
    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
                case Linear linear:
                    double range = 1.0 / Math.Sqrt(linear.out_features);
                    nn.init.uniform_(linear.weight, -range, range);
                    nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }

    // For the ONNX exporter, which rebuilds forward: features → global pool → flatten → classifier.
    internal Sequential Features => features;
    internal Sequential Classifier => classifier;

    /// <summary>Pooled features before the classifier, N×<see cref="FeatureChannels"/>.</summary>
    public Tensor ForwardFeatures(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pooled = avgpool.forward(features.forward(input));
        return pooled.flatten(1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var pooled = avgpool.forward(features.forward(input)).flatten(1);
        return classifier.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Trainable parameter count, as timm and torchvision report it.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());
}
