using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Interactive.Formatting;

/// <summary>A running accuracy run, drawn as a progress bar and updated in place.</summary>
public sealed record EvalProgressView(string Model, EvalProgress Progress, bool Finished = false, bool Interrupted = false);

/// <summary>A weights download in progress.</summary>
public sealed record DownloadView(string What, DownloadProgress Progress);
