## Why an upload was refused (files/upload.rs, sniff.rs, images.rs), as the uploader reads
## it beside the upload widget or in the JSON answer's "detail".

# $size: the file's size ("97.7 KiB") or upload-error-size-over; $purpose: video, cover,
# logo, favicon or file (any other upload); $limit: the largest accepted.
upload-error-too-large = This file is { $size }; { $purpose ->
        [video] videos
        [cover] cover images
        [logo] logos
        [favicon] favicons
       *[file] files
    } can be at most { $limit }.
# A file that passed the limit while it was sent (its whole size is unknown).
upload-error-size-over = larger than { $limit }
upload-error-quota = Not enough storage left for this file: the school uses { $used } of its { $quota }, and this file needs { $need }. Delete files that are no longer needed, or ask the platform's operator for more space.
upload-error-empty = The file is empty.
upload-error-interrupted = The upload was interrupted before the whole file arrived; nothing was stored. Try again.
upload-error-storage = File storage is not available right now; nothing was changed. Try again in a minute.
# $max: pixels, as digits.
upload-error-image = This image could not be read (it may be damaged, or larger than { $max } pixels on a side); upload a PNG, JPEG, WebP or GIF image.
# $take: one of the upload-accepts-* messages.
upload-refused-markup = SVG and HTML files are not accepted here (they can carry scripts); { $take }
# $expected: video, document, image or file (an attachment, which may be of many kinds).
upload-refused-executable = { $expected ->
        [video] This file is a program, not a video;
        [document] This file is a program, not a document;
        [image] This file is a program, not an image;
       *[file] This file is a program, and programs are not accepted here;
    } { $take }
upload-refused-other = This kind of file is not accepted here; { $take }
upload-accepts-video = upload an MP4 or WebM video.
upload-accepts-document = upload a PDF, a Word, Excel or PowerPoint file, an OpenDocument file or plain text.
upload-accepts-any = upload a document, an image, a video, audio, a ZIP archive or plain text.
upload-accepts-image = upload a PNG, JPEG, WebP or GIF image.
# A download that storage could not serve.
download-error-storage = File storage is not available right now. Try again in a minute.
