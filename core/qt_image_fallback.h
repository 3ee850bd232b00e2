#pragma once

namespace photosearch {

// Lets ImageDecoder read, through Qt's image plugins, what OpenCV 4.6 cannot: GIF (first frame).
// Safe to call more than once.
void installQtImageFallback();

}  // namespace photosearch
