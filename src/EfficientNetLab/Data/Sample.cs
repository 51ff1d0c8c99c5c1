namespace EfficientNetLab.Data;

/// <summary>One labelled image of a dataset: its file and its class index in the model's class order.</summary>
public sealed record Sample(string Path, int Label);
