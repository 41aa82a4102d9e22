package hub

import (
	"embed"
	"io/fs"
	"net/http"
)

// The web console is a static single-page application in ui/, embedded in
// the binary: it loads nothing from the network and talks only to this
// server's /v1 API.
//
//go:embed ui
var uiFiles embed.FS

func consoleHandler() http.Handler {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // embedded at build time
	}
	return http.StripPrefix("/ui/", http.FileServerFS(sub))
}
