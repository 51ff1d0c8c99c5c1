using EfficientNetLab.Models;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Models;

public class ArchitectureTests
{
    public static TheoryData<string, string> PublishedWeights()
    {
        var data = new TheoryData<string, string>();
        foreach (var w in CheckpointRegistry.All) data.Add(w.Variant, w.Tag);
        return data;
    }

    [Theory]
    [MemberData(nameof(PublishedWeights))]
    public void Parameter_count_equals_torchvisions_published_figure(string variant, string tag)
    {
        var published = CheckpointRegistry.Get(variant, tag);
        using var model = EfficientNet.Create(variant);
        Assert.Equal(published.Params, model.ParameterCount);
    }

    [Fact]
    public void Other_class_counts_change_only_the_classifier()
    {
        using var model = EfficientNet.Create("b0", numClasses: 10);
        var sd = model.state_dict();
        Assert.Equal(new long[] { 10, 1280 }, sd["classifier.1.weight"].shape);
        using var _ = no_grad();
        model.eval();
        using var y = model.forward(randn(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 10 }, y.shape);
    }

    [Theory]
    [InlineData("efficientnet_b3", "b3")]
    [InlineData("V2-S", "v2_s")]
    [InlineData("efficientnet_v2_l", "v2_l")]
    public void Variant_names_people_use_resolve(string name, string expected) =>
        Assert.Equal(expected, EfficientNetVariants.Get(name).Name);

    [Fact]
    public void Unknown_variant_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => EfficientNetVariants.Get("b9"));
        Assert.Contains("b0", e.Message);
        Assert.Contains("v2_l", e.Message);
    }
}
