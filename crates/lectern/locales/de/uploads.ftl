## Warum ein Upload abgelehnt wurde (files/upload.rs, sniff.rs, images.rs).

upload-error-too-large = Diese Datei ist { $size } groß; { $purpose ->
        [video] Videos
        [cover] Titelbilder
        [logo] Logos
        [favicon] Favicons
       *[file] Dateien
    } dürfen höchstens { $limit } groß sein.
upload-error-size-over = größer als { $limit }
upload-error-quota = Für diese Datei ist nicht genug Speicherplatz übrig: Die Schule belegt { $used } von { $quota }, und diese Datei braucht { $need }. Löschen Sie Dateien, die nicht mehr gebraucht werden, oder bitten Sie den Betreiber der Plattform um mehr Platz.
upload-error-empty = Die Datei ist leer.
upload-error-interrupted = Das Hochladen wurde unterbrochen, bevor die ganze Datei ankam; es wurde nichts gespeichert. Versuchen Sie es noch einmal.
upload-error-storage = Der Dateispeicher ist gerade nicht erreichbar; es wurde nichts geändert. Versuchen Sie es in einer Minute noch einmal.
upload-error-image = Dieses Bild konnte nicht gelesen werden (es ist vielleicht beschädigt oder an einer Seite größer als { $max } Pixel); laden Sie ein PNG-, JPEG-, WebP- oder GIF-Bild hoch.
upload-refused-markup = SVG- und HTML-Dateien werden hier nicht angenommen (sie können Skripte enthalten); { $take }
upload-refused-executable = { $expected ->
        [video] Diese Datei ist ein Programm, kein Video;
        [document] Diese Datei ist ein Programm, kein Dokument;
        [image] Diese Datei ist ein Programm, kein Bild;
       *[file] Diese Datei ist ein Programm, und Programme werden hier nicht angenommen;
    } { $take }
upload-refused-other = Diese Art von Datei wird hier nicht angenommen; { $take }
upload-accepts-video = laden Sie ein MP4- oder WebM-Video hoch.
upload-accepts-document = laden Sie ein PDF, eine Word-, Excel- oder PowerPoint-Datei, eine OpenDocument-Datei oder reinen Text hoch.
upload-accepts-any = laden Sie ein Dokument, ein Bild, ein Video, Audio, ein ZIP-Archiv oder reinen Text hoch.
upload-accepts-image = laden Sie ein PNG-, JPEG-, WebP- oder GIF-Bild hoch.
download-error-storage = Der Dateispeicher ist gerade nicht erreichbar. Versuchen Sie es in einer Minute noch einmal.
