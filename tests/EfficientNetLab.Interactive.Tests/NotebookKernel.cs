using System.Reactive.Linq;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace EfficientNetLab.Interactive.Tests;

/// <summary>
/// The kernel dotnet-interactive builds for a C# notebook (KernelBuilder.CreateKernel), reduced to what the
/// extension touches, with the tool's extension loader (KernelExtensionLoader / PackageDirectoryExtensionLoader,
/// which live only in the tool's App assembly) reproduced: after a command that added packages, every DLL in a
/// package's interactive-extensions/dotnet is loaded into the default context and its IKernelExtensions run.
/// </summary>
public sealed class NotebookKernel : IAsyncLifetime
{
    public CompositeKernel Kernel { get; } = new();
    public Feed Feed { get; } = Feed.Locate();
    public KernelCommandResult LoadResult { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        // As the tool's UseNugetDirective(CSharpKernel): resolved packages become the C# kernel's references.
        var csharp = new CSharpKernel().UseNugetDirective((k, resolved) =>
        {
            k.AddAssemblyReferences(resolved.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        });
        Kernel.Add(csharp.UseKernelHelpers().UseWho().UseValueSharing(), ["c#", "C#"]);
        Kernel.DefaultKernelName = "csharp";
        UseNuGetExtensions(Kernel);
        LoadResult = await Kernel.SendAsync(new SubmitCode(
            $"#i \"nuget: {Feed.Directory}\"\n#r \"nuget: EfficientNetLab.Interactive, {Feed.Version}\""));
        Assert.Empty(LoadResult.Events.OfType<CommandFailed>().Select(f => f.Message));
    }

    public Task DisposeAsync()
    {
        Kernel.Dispose();
        return Task.CompletedTask;
    }

    public Task<KernelCommandResult> Run(string code) => Kernel.SendAsync(new SubmitCode(code));

    private static void UseNuGetExtensions(CompositeKernel kernel)
    {
        var added = new Queue<PackageAdded>();
        kernel.KernelEvents.OfType<PackageAdded>().Subscribe(p => { lock (added) added.Enqueue(p); });
        var loaded = new HashSet<string>();
        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (true)
            {
                PackageAdded? package;
                lock (added) if (!added.TryDequeue(out package)) break;
                var dir = Path.Combine(package.PackageReference.PackageRoot, "interactive-extensions", "dotnet");
                if (!Directory.Exists(dir)) continue;
                foreach (var dll in Directory.GetFiles(dir, "*.dll"))
                {
                    if (!loaded.Add(dll)) continue;
                    var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(dll);
                    foreach (var type in assembly.ExportedTypes.Where(t => !t.IsAbstract && !t.IsInterface && typeof(IKernelExtension).IsAssignableFrom(t)))
                    {
                        var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                        await extension.OnLoadAsync(kernel);
                        context.Publish(new KernelExtensionLoaded(extension, context.Command));
                    }
                }
            }
        });
    }
}

/// <summary>The local feed made by docker/pack-feed.sh (EFFNET_INTERACTIVE_FEED or artifacts/feed).</summary>
public sealed record Feed(string Directory, string Version)
{
    public static Feed Locate()
    {
        var dir = Environment.GetEnvironmentVariable("EFFNET_INTERACTIVE_FEED") ?? Path.Combine(Repo.Root, "artifacts", "feed");
        var versionFile = Path.Combine(dir, "VERSION");
        if (!File.Exists(versionFile))
            throw new InvalidOperationException($"no packed feed at {dir}: run docker/pack-feed.sh first (test.sh does).");
        return new Feed(Path.GetFullPath(dir), File.ReadAllText(versionFile).Trim());
    }
}

public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Sample(string name) => Path.Combine(Root, "samples", "images", name);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EfficientNetLab.sln"))) return d.FullName;
        throw new InvalidOperationException("EfficientNetLab.sln not found above the test assembly.");
    }
}

public static class Events
{
    public static IEnumerable<FormattedValue> Formatted(this KernelCommandResult r) =>
        r.Events.SelectMany(e => e switch
        {
            DisplayEvent d => d.FormattedValues,
            _ => [],
        });

    public static string Html(this KernelCommandResult r) =>
        string.Join("\n", r.Formatted().Where(f => f.MimeType == "text/html").Select(f => f.Value));

    public static string Text(this KernelCommandResult r) =>
        string.Join("\n", r.Formatted().Where(f => f.MimeType == "text/plain").Select(f => f.Value));

    public static void Succeeded(this KernelCommandResult r) =>
        Assert.Empty(r.Events.OfType<CommandFailed>().Select(f => f.Message));

    /// <summary>The failure message, asserted to be one line without a stack trace.</summary>
    public static string FailedWithOneLine(this KernelCommandResult r)
    {
        var failure = Assert.Single(r.Events.OfType<CommandFailed>());
        Assert.DoesNotContain("\n", failure.Message.Trim());
        Assert.DoesNotContain("   at ", failure.Message);
        return failure.Message;
    }
}
