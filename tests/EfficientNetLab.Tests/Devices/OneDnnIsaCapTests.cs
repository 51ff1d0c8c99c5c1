using System.Globalization;
using EfficientNetLab.Devices;
using EfficientNetLab.Models;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Devices;

/// <summary>
/// The smallest known convolution that oneDNN 3.7.1 (libtorch 2.10) computes wrongly with its AVX-512 kernels:
/// 1×24×32×32 → 24 channels, 3×3, contiguous (NCHW). oneDNN runs it as a direct convolution on 16-channel blocks
/// (jit:avx512_core, nChw16c) and 24 input channels fill one and a half blocks; nearly every output is then off,
/// by up to 0.83 (measured on an AMD EPYC, family 26, with ONEDNN_MAX_CPU_ISA=ALL; channels-last and AVX2 agree
/// with float64 to 4e-6). docs/upstream-onednn-avx512.md has the search. Each run is a child process because oneDNN fixes its ISA once.
/// </summary>
public class OneDnnIsaCapTests
{
    static readonly string[] Reproducer = ["conv-error", "1", "24", "24", "32"];

    static (double Error, string Isa) ConvError(string[] probe, string? isa)
    {
        var output = ChildProcess.Run(probe, new Dictionary<string, string?> { ["ONEDNN_MAX_CPU_ISA"] = isa }).Trim().Split(' ');
        return (double.Parse(output[0], CultureInfo.InvariantCulture), output[1]);
    }

    [Fact]
    public void The_kits_process_computes_the_reproducer_like_float64()
    {
        // The child gets no ONEDNN_MAX_CPU_ISA, so what it computes with is the kit's own choice (TorchRuntime):
        // without the cap this fails wherever the bug reproduces; the uncapped error says whether it does here.
        var (capped, isa) = ConvError(Reproducer, null);
        var (uncapped, _) = ConvError(Reproducer, "ALL");
        Assert.Equal(TorchRuntime.OneDnnIsaCap, isa);
        Assert.True(capped < 1e-4,
            $"the kit's process ({isa}) computes the 24-channel 3×3 convolution off by {capped:G3} from float64 (uncapped: {uncapped:G3})");
    }

    [Fact]
    public void Every_variants_convolutions_fill_whole_AVX2_blocks()
    {
        // The cap is enough only because oneDNN's AVX2 direct kernel has the same bug for 8-channel blocks (measured:
        // 20 input channels off by 1.5): every convolution with a kernel wider than 1×1 (1×1 ones were right with
        // any count, e.g. the squeeze-excitation's 10) must see fewer than 8 input channels per group (the stem's 3,
        // depthwise 1) or a multiple of 8 — which torchvision's _make_divisible(…, 8) gives.
        foreach (var variant in EfficientNetVariants.All)
        {
            using var model = EfficientNet.Create(variant.Name);
            foreach (var (name, weight) in model.named_parameters())
            {
                if (weight.dim() != 4 || weight.shape[2] == 1) continue;
                long perGroup = weight.shape[1];
                Assert.True(perGroup < 8 || perGroup % 8 == 0, $"{variant.Name} {name}: {perGroup} input channels per group");
            }
        }
    }
}
