using EfficientNetLab.Evaluation;
using EfficientNetLab.Options;

namespace EfficientNetLab.Tests.Options;

/// <summary>The shared option rules themselves (that the CLI and the magics both apply them is tested in the
/// kernel extension's OptionParityTests).</summary>
public class KitOptionsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-8")]
    [InlineData("+8")]
    [InlineData("x")]
    [InlineData("1e2")]
    [InlineData("8.0")]
    [InlineData("")]
    public void A_count_is_digits_and_at_least_one(string text)
    {
        var e = Assert.Throws<OptionValueException>(() => KitOptions.BatchSize.Parse(text));
        Assert.Equal("--batch-size", e.Option);
        Assert.Equal($"--batch-size is a whole number ≥ 1, got '{text}'.", e.Message);
    }

    [Fact]
    public void Not_given_is_the_one_default()
    {
        Assert.Equal(EvalOptions.DefaultBatchSize, KitOptions.BatchSize.Parse((string?)null));
        Assert.Equal(EvalOptions.DefaultBatchSize, new EvalOptions().BatchSize);
        Assert.Equal(128, KitOptions.BatchSize.WithDefault(128).Parse((string?)null));
        Assert.Equal(32, KitOptions.BatchSize.WithDefault(128).Parse("32"));
    }

    [Theory]
    [InlineData("auto", InferenceBackend.Auto)]
    [InlineData("libtorch", InferenceBackend.LibTorch)]
    [InlineData("Torch", InferenceBackend.LibTorch)]
    [InlineData("ONNXRUNTIME", InferenceBackend.OnnxRuntime)]
    [InlineData("ort", InferenceBackend.OnnxRuntime)]
    public void Backends_are_named(string text, InferenceBackend expected) => Assert.Equal(expected, KitOptions.Backend.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("LibTorchX")]
    public void A_backend_is_never_an_enum_number(string text) =>
        Assert.Equal($"--backend is auto, libtorch or onnxruntime, got '{text}'.", Assert.Throws<OptionValueException>(() => KitOptions.Backend.Parse(text)).Message);

    [Fact]
    public void Auto_is_the_backend_unless_one_is_given()
    {
        Assert.Equal(InferenceBackend.Auto, KitOptions.Backend.Parse((string?)null));
        Assert.Equal(InferenceBackend.Auto, new EvalOptions().Backend);
    }

    [Fact]
    public void Lists_and_triples_parse_from_one_text_as_a_magic_gives_them()
    {
        Assert.Equal([1, 8, 32], KitOptions.BatchSizes.Parse("1, 8,32"));
        Assert.Throws<OptionValueException>(() => KitOptions.BatchSizes.Parse("1,,8"));
        Assert.Equal([0.5f, 0.25f, 0.125f], KitOptions.Mean.Parse("0.5, 0.25 0.125"));
        Assert.Equal("--mean takes 3 values, got 2.", Assert.Throws<OptionValueException>(() => KitOptions.Mean.Parse("0.5 0.5")).Message);
        Assert.Throws<OptionValueException>(() => KitOptions.Std.Parse("0.5 0 0.5"));
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("CUDA:1", "cuda:1")]
    [InlineData("cpu", "cpu")]
    public void Devices_are_checked_before_torch_is_asked(string text, string expected) => Assert.Equal(expected, KitOptions.Device.Parse(text));

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:x")]
    public void A_device_outside_the_rule_is_refused(string text) =>
        Assert.Throws<OptionValueException>(() => KitOptions.Device.Parse(text));
}
