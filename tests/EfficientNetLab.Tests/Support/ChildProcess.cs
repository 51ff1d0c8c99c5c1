using System.Globalization;
using EfficientNetLab.Devices;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Support;

/// <summary>
/// Runs a probe of this assembly in a fresh process, for what a process decides once at start (oneDNN reads
/// ONEDNN_MAX_CPU_ISA when libtorch first computes): <c>dotnet EfficientNetLab.Tests.dll probe args…</c>.
/// </summary>
public static class ChildProcess
{
    public static int Main(string[] args) => args switch
    {
        ["conv-error", .. var rest] => ConvError(rest),
        _ => Usage(),
    };

    /// <summary>
    /// Runs <c>probe</c> in a child with <paramref name="env"/> (a null value removes the variable) and returns its
    /// standard output; a failure fails the test with the child's output.
    /// </summary>
    public static string Run(string[] probe, IReadOnlyDictionary<string, string?> env) =>
        Repo.Run("dotnet", [typeof(ChildProcess).Assembly.Location, .. probe], env, timeoutSeconds: 300);

    /// <summary>
    /// conv-error N C_in C_out H: the largest absolute difference between a float32 3×3 convolution (stride 1,
    /// padding 1, seeded random contiguous input and weights) as this process computes it
    /// and the same convolution in float64 (libtorch's reference kernels, not oneDNN), then the ISA cap in force.
    /// </summary>
    private static int ConvError(string[] a)
    {
        TorchRuntime.Initialize();
        int n = int.Parse(a[0], CultureInfo.InvariantCulture), cin = int.Parse(a[1], CultureInfo.InvariantCulture);
        int cout = int.Parse(a[2], CultureInfo.InvariantCulture), size = int.Parse(a[3], CultureInfo.InvariantCulture);
        using var _ = no_grad();
        var generator = new Generator(0);
        var x = randn([n, cin, size, size], generator: generator);
        var w = randn([cout, cin, 3, 3], generator: generator).div(Math.Sqrt(cin * 9));
        var y = nn.functional.conv2d(x, w, padding: [1, 1]);
        var reference = nn.functional.conv2d(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), padding: [1, 1]);
        double error = y.to_type(ScalarType.Float64).sub(reference).abs().max().item<double>();
        Console.WriteLine(FormattableString.Invariant($"{error:R} {TorchRuntime.OneDnnMaxIsa ?? "none"}"));
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: dotnet EfficientNetLab.Tests.dll conv-error N C_in C_out H (run by the tests, not by hand)");
        return 2;
    }
}
