using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Weights;

public class CheckpointTests
{
    [Fact]
    public void Safetensors_with_metadata_loads_without_naming_the_variant()
    {
        var dir = ParityFixtures.Variant("b0");
        using var model = Checkpoint.Load(Path.Combine(dir, "model.safetensors"));
        Assert.Equal("b0", model.Variant.Name);
        LogitAssert.MatchesFixture(model, dir);
    }

    [Fact]
    public async Task Json_sidecar_supplies_variant_classes_and_preset()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-sidecar").FullName;
        var path = Path.Combine(dir, "fashion.pth");
        File.Copy(ParityFixtures.Bad("b0_10_classes.pth"), path);
        var names = Enumerable.Range(0, 10).Select(i => $"class-{i}").ToArray();
        var preset = new EfficientNetLab.Imaging.EvalPreset(64, 72, EfficientNetLab.Imaging.Interpolation.Bilinear, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        new CheckpointMetadata("b0", 10, names, preset).WriteSidecar(path);

        using var loaded = await ModelLoader.LoadAsync(null, path);
        Assert.Equal(10, loaded.Model.NumClasses);
        Assert.Equal(names, loaded.ClassNames);
        Assert.True(loaded.ClassNamesKnown);
        Assert.Equal(preset, loaded.Preset);

        new CheckpointMetadata("b0", 10, names[..3], preset).WriteSidecar(path);
        Assert.Contains("names 3 classes but its classifier has 10",
            (await Assert.ThrowsAsync<CheckpointException>(() => ModelLoader.LoadAsync(null, path))).Message);
    }

    [Fact]
    public async Task Stand_in_class_names_are_marked_as_such()
    {
        // A plain state dict and random init get names to display, never names to match folders against.
        using var plain = await ModelLoader.LoadAsync("b0", ParityFixtures.Bad("b0_10_classes.pth"));
        Assert.Equal("class 0", plain.ClassNames[0]);
        Assert.False(plain.ClassNamesKnown);
        using var random = await ModelLoader.LoadAsync("b0", "random");
        Assert.Equal(ImageNetClasses.Names, random.ClassNames);
        Assert.False(random.ClassNamesKnown);
        Assert.Equal(CheckpointRegistry.Default("b0").Preset, plain.Preset);
    }

    [Fact]
    public void Ten_class_checkpoint_loads_with_its_own_class_count()
    {
        using var model = Checkpoint.Load(ParityFixtures.Bad("b0_10_classes.pth"), "b0");
        Assert.Equal(10, model.NumClasses);
    }

    [Fact]
    public void Wrong_variant_lists_missing_unexpected_and_wrong_shape_keys()
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"), "b2"));
        Assert.Contains("does not match efficientnet_b2", e.Message);
        Assert.Contains("missing keys", e.Message);
        Assert.Contains("wrong shapes", e.Message);
        Assert.Contains("features.1.1.block.0.0.weight", e.Message); // B2 has a second block in stage 1, B0 does not
        Assert.Contains("features.3.0.block.3.0.weight: checkpoint [40, 144, 1, 1], model [48, 144, 1, 1]", e.Message);
        Assert.Contains("--model", e.Message);

        var v2 = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"), "v2_s"));
        Assert.Contains("unexpected keys", v2.Message);
    }

    [Theory]
    [InlineData("whole_model.pth", "model.state_dict()")]
    [InlineData("legacy_format.pth", "legacy")]
    [InlineData("truncated.pth", "truncated")]
    [InlineData("not_a_checkpoint.pth", "not a PyTorch or safetensors checkpoint")]
    public void Bad_files_say_what_is_wrong_and_where(string file, string expected)
    {
        var path = ParityFixtures.Bad(file);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, "b0"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void Missing_file_and_directory_are_named()
    {
        Assert.Contains("file not found", Assert.Throws<CheckpointException>(() => Checkpoint.Read("/nonexistent/x.pth")).Message);
        Assert.Contains("is a directory", Assert.Throws<CheckpointException>(() => Checkpoint.Read(Path.GetTempPath())).Message);
    }

    [Fact]
    public void Variant_is_required_when_nothing_names_it()
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(ParityFixtures.Bad("b0_10_classes.pth")));
        Assert.Contains("--model", e.Message);
    }
}
