using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Models;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Models;

/// <summary>
/// Every variant against torchvision 0.14 (Debian) on the same random-but-realistic checkpoint: the state dict
/// must load key for key and the logits must agree within 1e-4 absolute and 1e-4 relative to the largest logit.
/// </summary>
[Trait("Category", "Parity")]
public class ParityTests
{
    public static TheoryData<string> Variants => new(EfficientNetVariants.All.Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Variants))]
    public void Logits_match_torchvision(string variant)
    {
        var dir = ParityFixtures.Variant(variant);
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "meta.json")))!;
        using var model = Checkpoint.Load(Path.Combine(dir, "state_dict.pth"), variant);
        Assert.Equal(meta["keys"]!.GetValue<int>(), model.state_dict().Count);

        LogitAssert.MatchesFixture(model, dir);
    }

    [Fact]
    public void Key_counts_equal_torchvision_for_b0_and_v2_s()
    {
        // Counts quoted by the issue (num_batches_tracked included) and produced by torchvision itself.
        using var b0 = EfficientNet.Create("b0");
        using var v2s = EfficientNet.Create("v2_s");
        Assert.Equal(360, b0.state_dict().Count);
        Assert.Equal(782, v2s.state_dict().Count);
        Assert.Contains("features.1.0.block.1.fc1.weight", b0.state_dict().Keys);
        Assert.Contains("classifier.1.weight", b0.state_dict().Keys);
    }
}
