Beseda.start(function(){});
