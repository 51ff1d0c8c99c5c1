using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Evaluation;

public class EvalSummaryTests
{
    [Theory]
    [InlineData(LabelMapping.SortedFolders, "sorted_folders")]
    [InlineData(LabelMapping.ClassNames, "class_names")]
    [InlineData(LabelMapping.ClassMap, "class_map")]
    public void The_class_mapping_is_recorded_as_its_name_in_snake_case(LabelMapping mapping, string expected) =>
        Assert.Equal(expected, new EvalCounts(1, 1, 0, 1, mapping).ClassMappingName);

    [Fact]
    public async Task A_run_on_a_dataset_index_records_its_mapping_and_one_on_plain_samples_records_none()
    {
        using var loaded = await ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);
        var data = DatasetIndex.Open(Repo.SampleImages, loaded);
        var options = new EvalOptions { BatchSize = 8, Limit = 8 };
        var indexed = (await Evaluator.RunAsync(loaded, data, options)).Summary.ToJson();
        Assert.Equal(new EvalCounts(0, 0, 0, 0, data.Mapping).ClassMappingName, (string?)indexed["class_mapping"]);
        var plain = (await Evaluator.RunAsync(loaded, data.Samples, options)).Summary.ToJson();
        Assert.True(plain.ContainsKey("class_mapping"));
        Assert.Null(plain["class_mapping"]);
    }

    [Fact]
    public void Sidecars_already_written_read_back_and_write_out_byte_for_byte()
    {
        // The shipped sample's sidecar, written before EvalPreset owned the preset's JSON shape.
        var sidecar = CheckpointMetadata.SidecarPath(Repo.SampleCheckpoint);
        var meta = CheckpointMetadata.ReadSidecar(Repo.SampleCheckpoint);
        Assert.Equal(new EvalPreset(56, 56, Interpolation.Bilinear, [0.286f, 0.286f, 0.286f], [0.353f, 0.353f, 0.353f]), meta.Preset);
        var copy = Path.Combine(Directory.CreateTempSubdirectory("effnet-sidecar").FullName, "m.pth");
        meta.WriteSidecar(copy);
        Assert.Equal(File.ReadAllText(sidecar).TrimEnd(), File.ReadAllText(CheckpointMetadata.SidecarPath(copy)).TrimEnd());
    }

    [Fact]
    public void The_preset_has_one_json_shape_that_reads_back()
    {
        var preset = new EvalPreset(240, 252, Interpolation.Bilinear, [0.5f, 0.5f, 0.5f], [0.25f, 0.5f, 0.75f]);
        var json = preset.ToJson();
        Assert.Equal(["crop_size", "resize_size", "interpolation", "mean", "std"], json.Select(kv => kv.Key));
        Assert.Equal(preset, EvalPreset.FromJson(JsonNode.Parse(json.ToJsonString())!.AsObject()));
    }
}
