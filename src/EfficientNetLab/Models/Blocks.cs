using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EfficientNetLab.Models;

/// <summary>
/// The building blocks of torchvision's EfficientNet, with torchvision's module names so that a state dict
/// loads without renaming. TorchSharp's own Conv2dNormActivation defaults differ from Python's (no BatchNorm,
/// conv bias on), so the layer is spelled out here.
/// </summary>
internal static class Layers
{
    /// <summary>torchvision.ops.Conv2dNormActivation: conv (no bias) → BatchNorm → optional SiLU, as "0", "1", "2".</summary>
    public static Sequential ConvNormActivation(
        long input, long output, long kernel, NormSettings norm, long stride = 1, long groups = 1, bool activation = true)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("0", nn.Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false)),
            ("1", nn.BatchNorm2d(output, eps: norm.Eps, momentum: norm.Momentum)),
        };
        if (activation) layers.Add(("2", nn.SiLU()));
        return nn.Sequential(layers);
    }
}

/// <summary>BatchNorm hyper-parameters shared by every norm layer of one variant.</summary>
internal readonly record struct NormSettings(double Eps, double Momentum);

/// <summary>torchvision.ops.SqueezeExcitation with SiLU inside and a sigmoid gate; parameters fc1/fc2 as upstream.</summary>
internal sealed class SqueezeExcitation : Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;

    public SqueezeExcitation(long channels, long squeezeChannels) : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(channels, squeezeChannels, 1);
        fc2 = nn.Conv2d(squeezeChannels, channels, 1);
        RegisterComponents();
    }

    // The ONNX exporter spells out forward's graph (the gate is not a chain of modules) and needs the two convs.
    internal Conv2d Fc1 => fc1;
    internal Conv2d Fc2 => fc2;

    public override Tensor forward(Tensor input)
    {
        using var pooled = avgpool.forward(input);
        using var squeezed = fc1.forward(pooled);
        using var activated = nn.functional.silu(squeezed);
        using var excited = fc2.forward(activated);
        using var scale = excited.sigmoid();
        return input * scale;
    }
}

/// <summary>torchvision.ops.StochasticDepth in "row" mode: drops whole residual branches per sample while training.</summary>
internal sealed class StochasticDepth : Module<Tensor, Tensor>
{
    private readonly double p;

    public StochasticDepth(double p) : base(nameof(StochasticDepth)) => this.p = p;

    public override Tensor forward(Tensor input)
    {
        if (!training || p == 0.0) return input.alias();
        double survival = 1.0 - p;
        var shape = new long[input.dim()];
        Array.Fill(shape, 1L);
        shape[0] = input.shape[0];
        using var noise = torch.empty(shape, input.dtype, input.device).bernoulli_(survival);
        if (survival > 0.0) noise.div_(survival);
        return input * noise;
    }
}

/// <summary>
/// MBConv (V1 and the later V2 stages) and FusedMBConv (early V2 stages): the residual block, its layers in
/// <c>block</c>, the residual branch dropped by <c>stochastic_depth</c> — torchvision's names.
/// </summary>
internal sealed class EfficientNetBlock : Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly StochasticDepth stochastic_depth;
    private readonly bool useResidual;

    public EfficientNetBlock(BlockConfig cnf, double stochasticDepthProb, NormSettings norm)
        : base(cnf.Kind == BlockKind.MBConv ? "MBConv" : "FusedMBConv")
    {
        if (cnf.Stride is not (1 or 2)) throw new ArgumentException($"Illegal stride value {cnf.Stride}.", nameof(cnf));
        useResidual = cnf.Stride == 1 && cnf.InputChannels == cnf.OutChannels;
        block = nn.Sequential(cnf.Kind == BlockKind.MBConv ? MBConvLayers(cnf, norm) : FusedLayers(cnf, norm));
        stochastic_depth = new StochasticDepth(stochasticDepthProb);
        RegisterComponents();
    }

    // For the ONNX exporter, which rebuilds forward: the layers, then the residual add when there is one.
    internal Sequential Block => block;
    internal bool UseResidual => useResidual;

    private static IEnumerable<(string, Module<Tensor, Tensor>)> MBConvLayers(BlockConfig cnf, NormSettings norm)
    {
        int expanded = cnf.ExpandedChannels;
        var layers = new List<Module<Tensor, Tensor>>();
        if (expanded != cnf.InputChannels)
            layers.Add(Layers.ConvNormActivation(cnf.InputChannels, expanded, 1, norm));
        layers.Add(Layers.ConvNormActivation(expanded, expanded, cnf.Kernel, norm, stride: cnf.Stride, groups: expanded));
        layers.Add(new SqueezeExcitation(expanded, Math.Max(1, cnf.InputChannels / 4)));
        layers.Add(Layers.ConvNormActivation(expanded, cnf.OutChannels, 1, norm, activation: false));
        return layers.Select((m, i) => (i.ToString(), m));
    }

    private static IEnumerable<(string, Module<Tensor, Tensor>)> FusedLayers(BlockConfig cnf, NormSettings norm)
    {
        int expanded = cnf.ExpandedChannels;
        var layers = expanded != cnf.InputChannels
            ? new Module<Tensor, Tensor>[]
            {
                Layers.ConvNormActivation(cnf.InputChannels, expanded, cnf.Kernel, norm, stride: cnf.Stride),
                Layers.ConvNormActivation(expanded, cnf.OutChannels, 1, norm, activation: false),
            }
            : [Layers.ConvNormActivation(cnf.InputChannels, cnf.OutChannels, cnf.Kernel, norm, stride: cnf.Stride)];
        return layers.Select((m, i) => (i.ToString(), m));
    }

    public override Tensor forward(Tensor input)
    {
        var result = block.forward(input);
        if (!useResidual) return result;
        using (result)
        {
            var dropped = stochastic_depth.forward(result);
            return dropped.add_(input);
        }
    }
}
