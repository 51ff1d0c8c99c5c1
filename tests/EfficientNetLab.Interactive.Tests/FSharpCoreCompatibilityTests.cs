using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EfficientNetLab.Interactive.Tests;

/// <summary>
/// The extension answers Plotly.NET's request for FSharp.Core 10.1 with the FSharp.Core 10.0 that
/// dotnet-interactive ships (see FSharpCoreRedirect). That holds only while every FSharp.Core type and member
/// Plotly.NET and its F# dependencies reference exists in the tool's copy; a Plotly.NET that starts using a
/// 10.1-only member must fail here, not with MissingMethodException in someone's notebook.
/// </summary>
public class FSharpCoreCompatibilityTests
{
    [Fact]
    public void Plotly_uses_only_FSharpCore_members_that_the_tool_ships()
    {
        var available = FSharpCoreScan.Defined(ToolFSharpCore());
        var referenced = PlotlyAssemblies().SelectMany(FSharpCoreScan.Referenced).ToHashSet();
        Assert.True(referenced.Count > 100, $"only {referenced.Count} FSharp.Core references found: the scan is broken");
        Assert.Empty(referenced.Where(r => !available.Contains(r)).Order());
    }

    [Fact]
    public void A_member_missing_from_FSharpCore_is_reported()
    {
        var available = FSharpCoreScan.Defined(ToolFSharpCore());
        var referenced = PlotlyAssemblies().SelectMany(FSharpCoreScan.Referenced).Where(r => r.Contains("::")).ToHashSet();
        var removed = referenced.Order().First();
        available.Remove(removed);
        Assert.Equal([removed], referenced.Where(r => !available.Contains(r)));
    }

    private static string Packages => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>FSharp.Core.dll of the dotnet-interactive version pinned in .config/dotnet-tools.json, installed
    /// locally (dotnet tool restore) or globally (dotnet tool install -g).</summary>
    private static string ToolFSharpCore()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, ".config", "dotnet-tools.json")));
        var version = manifest.RootElement.GetProperty("tools").GetProperty("microsoft.dotnet-interactive").GetProperty("version").GetString()!;
        var roots = new[]
        {
            Path.Combine(Packages, "microsoft.dotnet-interactive", version, "tools"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", ".store",
                "microsoft.dotnet-interactive", version, "microsoft.dotnet-interactive", version, "tools"),
        };
        return roots.Where(Directory.Exists).SelectMany(r => Directory.GetFiles(r, "FSharp.Core.dll", SearchOption.AllDirectories)).FirstOrDefault()
            ?? throw new FileNotFoundException($"dotnet-interactive {version} is not installed: run `dotnet tool restore` in the repository.");
    }

    /// <summary>Plotly.NET at the version the kit's views (EfficientNetLab.Reports) reference, and its F# dependencies at the lowest version
    /// its nuspec allows (what NuGet restores for a notebook).</summary>
    private static IEnumerable<string> PlotlyAssemblies()
    {
        var csproj = XDocument.Load(Path.Combine(Repo.Root, "src", "EfficientNetLab.Reports", "EfficientNetLab.Reports.csproj"));
        var version = csproj.Descendants("PackageReference").Single(e => (string?)e.Attribute("Include") == "Plotly.NET").Attribute("Version")!.Value;
        var root = Path.Combine(Packages, "plotly.net", version);
        yield return Dll(root, "Plotly.NET.dll");
        var nuspec = XDocument.Load(Path.Combine(root, "plotly.net.nuspec"));
        foreach (var dep in nuspec.Descendants().Where(e => e.Name.LocalName == "dependency"))
        {
            var id = dep.Attribute("id")!.Value;
            if (id is "FSharp.Core" or "Newtonsoft.Json") continue;
            var min = Regex.Match(dep.Attribute("version")!.Value, @"[\d.]+[^,\])]*").Value;
            yield return Dll(Path.Combine(Packages, id.ToLowerInvariant(), min), id + ".dll");
        }
    }

    private static string Dll(string packageRoot, string name) =>
        Directory.GetFiles(Path.Combine(packageRoot, "lib"), name, SearchOption.AllDirectories).OrderByDescending(f => f).FirstOrDefault()
        ?? throw new FileNotFoundException($"{name} not under {packageRoot}: restore the extension first.");
}

/// <summary>FSharp.Core types and members as "Namespace.Type[/Nested]::name`generics(params)" strings.</summary>
internal static class FSharpCoreScan
{
    public static HashSet<string> Defined(string fsharpCore)
    {
        using var pe = new PEReader(File.OpenRead(fsharpCore));
        var md = pe.GetMetadataReader();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var h in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(h);
            var name = TypeName(md, h);
            result.Add(name);
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                result.Add(Member(name, md.GetString(method.Name), md.GetBlobReader(method.Signature)));
            }
            foreach (var f in type.GetFields())
                result.Add($"{name}::{md.GetString(md.GetFieldDefinition(f).Name)}");
        }
        return result;
    }

    public static IEnumerable<string> Referenced(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var md = pe.GetMetadataReader();
        var result = new List<string>();
        foreach (var h in md.TypeReferences)
            if (IsFSharpCore(md, h)) result.Add(TypeName(md, h));
        foreach (var h in md.MemberReferences)
        {
            var member = md.GetMemberReference(h);
            if (DeclaringTypeReference(md, member.Parent) is not { } parent || !IsFSharpCore(md, parent)) continue;
            var sig = md.GetBlobReader(member.Signature);
            result.Add(member.GetKind() == MemberReferenceKind.Field
                ? $"{TypeName(md, parent)}::{md.GetString(member.Name)}"
                : Member(TypeName(md, parent), md.GetString(member.Name), sig));
        }
        return result;
    }

    private static string Member(string type, string name, BlobReader signature)
    {
        var header = signature.ReadSignatureHeader();
        int generics = header.IsGeneric ? signature.ReadCompressedInteger() : 0;
        int parameters = signature.ReadCompressedInteger();
        return $"{type}::{name}`{generics}({parameters})";
    }

    /// <summary>The type a member reference belongs to: directly, or the generic type of an instantiation.</summary>
    private static TypeReferenceHandle? DeclaringTypeReference(MetadataReader md, EntityHandle parent)
    {
        if (parent.Kind == HandleKind.TypeReference) return (TypeReferenceHandle)parent;
        if (parent.Kind != HandleKind.TypeSpecification) return null;
        var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return null;
        blob.ReadSignatureTypeCode();
        var generic = blob.ReadTypeHandle();
        return generic.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)generic : null;
    }

    private static bool IsFSharpCore(MetadataReader md, TypeReferenceHandle h)
    {
        var scope = md.GetTypeReference(h).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference) scope = md.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
        return scope.Kind == HandleKind.AssemblyReference &&
               md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) == "FSharp.Core";
    }

    private static string TypeName(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        return t.ResolutionScope.Kind == HandleKind.TypeReference
            ? $"{TypeName(md, (TypeReferenceHandle)t.ResolutionScope)}/{md.GetString(t.Name)}"
            : Qualified(md.GetString(t.Namespace), md.GetString(t.Name));
    }

    private static string TypeName(MetadataReader md, TypeDefinitionHandle h)
    {
        var t = md.GetTypeDefinition(h);
        return t.GetDeclaringType() is { IsNil: false } outer
            ? $"{TypeName(md, outer)}/{md.GetString(t.Name)}"
            : Qualified(md.GetString(t.Namespace), md.GetString(t.Name));
    }

    private static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";
}
