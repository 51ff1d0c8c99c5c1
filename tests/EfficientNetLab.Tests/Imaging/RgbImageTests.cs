using EfficientNetLab.Imaging;

namespace EfficientNetLab.Tests.Imaging;

public class RgbImageTests
{
    [Fact]
    public void A_thumbnail_keeps_the_aspect_ratio_within_the_longer_side()
    {
        var wide = new RgbImage(400, 100);
        wide.Pixels.AsSpan().Fill(200);
        var thumb = wide.Thumbnail(160);
        Assert.Equal((160, 40), (thumb.Width, thumb.Height));
        // A flat image stays flat: the resize filters, it does not shift levels.
        Assert.All(thumb.Pixels, p => Assert.Equal(200, p));
        var tall = new RgbImage(30, 90).Thumbnail(45);
        Assert.Equal((15, 45), (tall.Width, tall.Height));
    }

    [Fact]
    public void An_image_already_small_enough_is_its_own_thumbnail()
    {
        var small = new RgbImage(28, 28);
        Assert.Same(small, small.Thumbnail(160));
        Assert.Same(small, small.Thumbnail(28));
    }
}
