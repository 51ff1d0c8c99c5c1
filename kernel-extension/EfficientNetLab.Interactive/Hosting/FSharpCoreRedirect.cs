using System.Reflection;
using System.Runtime.Loader;

namespace EfficientNetLab.Interactive.Hosting;

/// <summary>
/// Plotly.NET 6 is compiled against FSharp.Core 10.1, while dotnet-interactive 1.0.712001 ships (and has already
/// loaded) FSharp.Core 10.0, so the first chart call fails with FileNotFoundException for 10.1.0.0. Answering that
/// request with the FSharp.Core the host already loaded keeps one set of F# types in the process; loading the 10.1
/// file instead would put a second FSharp.Core next to the host's and split FSharpList, FSharpOption & co. in two.
/// Safe only while Plotly.NET uses members that exist in the host's copy: FSharpCoreCompatibilityTests checks that.
/// </summary>
public static class FSharpCoreRedirect
{
    private static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += Resolve;
    }

    internal static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase)) return null;
        return AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
    }
}
