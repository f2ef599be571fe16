package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/api"
)

// A node fetches on its own only the attachments of entries up to a
// size (10 MB by default); larger ones wait for someone to ask. The
// entry page asks with a button that posts to /entree/{id}/demander-pieces,
// open to every reader like the download itself. The fetch runs in
// the background of the server, because a large file takes longer
// than a browser or a reverse proxy waits for a page: the request
// waits for it at most fetchWait, then shows the result, or says that
// the transfer goes on. What arrives is kept whatever happens, so a
// fetch cut short resumes at the next request.

const (
	// defaultFetchWait is how long the request that asked for a fetch
	// waits for its end.
	defaultFetchWait = 20 * time.Second
	// fetchTimeout bounds one background fetch.
	fetchTimeout = 30 * time.Minute
	// maxFetches bounds the background fetches at once: readers need
	// no account, and a fetch takes bandwidth and disk.
	maxFetches = 4
)

// fetches are the background fetches of attachments, one per entry.
type fetches struct {
	mu      sync.Mutex // guards running
	running map[cid.Cid]*fetchRun
}

// fetchRun is one background fetch.
type fetchRun struct {
	done chan struct{} // closed once res and err are set
	res  *api.FetchResult
	err  error
}

// fetching reports whether a fetch of id's attachments runs.
func (s *Server) fetching(id cid.Cid) bool {
	s.fetches.mu.Lock()
	defer s.fetches.mu.Unlock()
	return s.fetches.running[id] != nil
}

// startFetch starts a background fetch of id's missing attachments,
// or returns the one that runs already. It returns nil when
// maxFetches run already or the server is closing.
func (s *Server) startFetch(id cid.Cid) *fetchRun {
	s.fetches.mu.Lock()
	defer s.fetches.mu.Unlock()
	if run := s.fetches.running[id]; run != nil {
		return run
	}
	if len(s.fetches.running) >= maxFetches || s.ctx.Err() != nil {
		return nil
	}
	run := &fetchRun{done: make(chan struct{})}
	s.fetches.running[id] = run
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, fetchTimeout)
		run.res, run.err = api.FetchAttachments(ctx, s.cat, s.net, id)
		cancel()
		s.fetches.mu.Lock()
		delete(s.fetches.running, id)
		s.fetches.mu.Unlock()
		close(run.done)
		switch {
		case run.err != nil && s.ctx.Err() == nil:
			s.log.Warn("web: fetch attachments", "entry", id, "err", run.err)
		case run.err == nil && run.res.Wanted > 0:
			s.log.Info("web: attachments fetched on request", "entry", id, "blocks", run.res.Fetched,
				"bytes", run.res.Bytes, "peers", run.res.From, "missing", run.res.Missing)
		}
	}()
	return run
}

// fetchPost asks the other nodes for the entry's missing attachments.
func (s *Server) fetchPost(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	if d.Retracted || d.Entry == nil {
		s.retracted(w, r, d)
		return
	}
	back := link{entryPath(d.ID), "Revenir à l'entrée"}
	if s.net == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "Réseau indisponible",
			"Ce nœud fonctionne sans le réseau : il ne peut pas demander les pièces jointes aux autres nœuds.", back)
		return
	}
	run := s.startFetch(d.ID)
	if run == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "Nœud occupé",
			fmt.Sprintf("Ce nœud fait déjà venir les pièces jointes de %d entrées. Réessayez dans quelques minutes.", maxFetches), back)
		return
	}
	wait := time.NewTimer(s.fetchWait)
	defer wait.Stop()
	select {
	case <-run.done:
	case <-wait.C:
		s.fail(w, r, http.StatusAccepted, "Transfert en cours",
			"Ce nœud fait venir les pièces jointes des autres nœuds ; pour un gros fichier, cela prend quelques minutes. "+
				"Rechargez la page de l'entrée dans un moment : les fichiers arrivés s'y téléchargent.", back)
		return
	case <-r.Context().Done():
		return
	}
	switch res, err := run.res, run.err; {
	case errors.Is(err, catalogue.ErrRetracted):
		s.retracted(w, r, d)
	case errors.Is(err, catalogue.ErrDiskFull):
		s.fail(w, r, http.StatusInsufficientStorage, "Disque plein",
			"Le disque du nœud est plein : les pièces jointes n'ont pas pu être enregistrées. Prévenez la personne qui gère le nœud.", back)
	case err != nil:
		s.internalError(w, r, err)
	case res.Missing == 0:
		http.Redirect(w, r, entryPath(d.ID)+"?msg=recues", http.StatusSeeOther)
	default:
		s.fail(w, r, http.StatusServiceUnavailable, "Pièces jointes incomplètes", fetchMessage(res), back)
	}
}

// fetchMessage says in French what a fetch left missing, and why.
func fetchMessage(res *api.FetchResult) string {
	msg := ""
	if res.Fetched > 0 {
		msg = fmt.Sprintf("%s reçus de %s. ", frenchSize(res.Bytes), plural(res.From, "nœud", "nœuds"))
	}
	switch res.Reason {
	case api.FetchNoPeer:
		msg += "Aucun autre nœud n'est connecté à ce nœud pour l'instant : il n'a personne à qui demander le fichier. " +
			"Réessayez dans quelques minutes ; si cela dure, prévenez la personne qui gère le nœud (page Réseau)."
	case api.FetchInterrupted:
		msg += "Le transfert s'est arrêté avant la fin ; ce qui est arrivé est gardé. Demandez de nouveau pour recevoir le reste."
	default:
		if res.Peers == 1 {
			msg += "Le seul nœud connecté n'a pas le reste du fichier. "
		} else {
			msg += fmt.Sprintf("Aucun des %d nœuds connectés n'a le reste du fichier. ", res.Peers)
		}
		msg += "Réessayez plus tard : un nœud qui l'a peut se connecter entre-temps."
	}
	return msg
}
