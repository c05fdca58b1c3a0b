/* admin panel: being written */ Beseda.start(function(){});
